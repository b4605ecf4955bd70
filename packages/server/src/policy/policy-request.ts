import { isIP } from 'node:net';
import type { AgentRecord } from '../store/records.js';
import type { CedarRequest, Context, EntityJson } from './cedar.js';
import type { CompiledPolicySet } from './policy-set.js';
import type { PolicyAction, PolicyBinding, RiskLevel } from './policy-schema.js';

/**
 * One question for the policy layer: may this agent do this, on these audiences, with these
 * scopes, in this context? Each (audience, scope) pair is decided as its own Cedar request.
 */
export interface PolicyQuery {
  action: PolicyAction;
  /** The principal: the agent that authenticated (for a token exchange, the actor). */
  agent: AgentRecord;
  /** RFC 8707 audiences; empty for operations on the server itself (the issuer is the resource). */
  resources: readonly string[];
  /** Scopes the credential would carry; empty when the operation has none. */
  scopes: readonly string[];
  facts: PolicyFacts;
}

/** The request's circumstances, as `context` shows them to policies (docs/policy.md). */
export interface PolicyFacts {
  /** ms since the epoch. */
  now: number;
  /** The caller's address; null when unknown (policies then see `0.0.0.0`, inside no network). */
  sourceIp: string | null;
  binding: PolicyBinding;
  /** How the principal authenticated (`private_key_jwt`, `tls_client_auth`, ...). */
  authMethod: string;
  /** The token request's `grant_type`; empty for other operations. */
  grantType: string;
  /** `sub` of the credential: the agent itself, or the party it acts for. */
  subject: string;
  /** Every actor of the resulting RFC 8693 `act` chain (empty when no one acts for another). */
  actors: readonly string[];
  taskId: string;
  /** Lifetime the credential would get, seconds. */
  requestedTtl: number;
  /** A certificate renewal rather than a first issuance. */
  renewal: boolean;
  risk: RiskLevel;
}

/**
 * A query about the server itself (a certificate, a registration): the issuer is the resource,
 * there is no scope and no one acts for another; what the caller does not say takes its neutral
 * value (no binding, no grant type, the agent as subject, risk `low`).
 */
export function serverOperationQuery(
  action: PolicyAction,
  agent: AgentRecord,
  facts: Pick<PolicyFacts, 'now' | 'sourceIp' | 'authMethod' | 'requestedTtl'> & Partial<Pick<PolicyFacts, 'binding' | 'grantType' | 'subject' | 'renewal'>>,
): PolicyQuery {
  return {
    action,
    agent,
    resources: [],
    scopes: [],
    facts: { binding: 'none', grantType: '', subject: agent.id, renewal: false, ...facts, actors: [], taskId: '', risk: 'low' },
  };
}

/** Where the clock reads `hour` and `weekday` from. */
export interface PolicyClock {
  /** IANA time zone name for `hour` and `weekday`. */
  timeZone: string;
}

/** The request's time to the minute, with `hour` and `weekday` in the policy time zone. */
export interface PolicyTime {
  iso: string;
  hour: number;
  weekday: number;
}

/**
 * Reads `now` in the policy time zone, to the minute (so equal requests within a minute are the
 * same request and their decision can be cached). Formatters are costly: one per time zone.
 */
export function policyTime(now: number, timeZone: string): PolicyTime {
  const minute = Math.floor(now / 60_000) * 60_000;
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(minute);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const weekday = WEEKDAYS.indexOf(parts.find((p) => p.type === 'weekday')?.value ?? '') + 1;
  return { iso: new Date(minute).toISOString().replace('.000Z', 'Z'), hour, weekday };
}
const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The `context` record shared by every pair of one query (`scope` is set per pair). */
export function policyContext(query: PolicyQuery, time: PolicyTime): Context {
  const { facts } = query;
  return {
    time: { __extn: { fn: 'datetime', arg: time.iso } },
    hour: time.hour,
    weekday: time.weekday,
    source_ip: { __extn: { fn: 'ip', arg: policyAddress(facts.sourceIp) } },
    binding: facts.binding,
    auth_method: facts.authMethod,
    grant_type: facts.grantType,
    scope: '',
    scopes: [...query.scopes],
    resources: [...query.resources],
    subject: facts.subject,
    actors: [...facts.actors],
    delegation_depth: facts.actors.length,
    task_id: facts.taskId,
    requested_ttl: facts.requestedTtl,
    renewal: facts.renewal,
    risk: facts.risk,
    name: query.action,
    pep: '',
  };
}

/**
 * The address as Cedar's `ip()` reads it: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a
 * dual-stack listener reports IPv4 peers) is its IPv4 address, so `isInRange(ip("10.0.0.0/8"))`
 * means what it says; a zone index is dropped; an unknown or unreadable address is `0.0.0.0`.
 */
export function policyAddress(address: string | null): string {
  if (address === null) return UNKNOWN_ADDRESS;
  const unzoned = address.split('%')[0] as string;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(unzoned);
  const plain = mapped?.[1] ?? unzoned;
  return isIP(plain) === 0 ? UNKNOWN_ADDRESS : plain;
}
const UNKNOWN_ADDRESS = '0.0.0.0';

/** The principal as Cedar sees it: attributes from the registry, labels as tags. */
export function agentEntity(agent: AgentRecord): EntityJson {
  return {
    uid: { type: 'Agent', id: agent.id },
    attrs: {
      name: agent.name,
      owner: agent.owner,
      status: agent.status,
      created: { __extn: { fn: 'datetime', arg: new Date(agent.createdAt).toISOString() } },
      auth_method: agent.tokenEndpointAuthMethod,
      scopes: [...agent.scopes],
      resources: [...agent.resources],
    },
    parents: [],
    tags: { ...agent.labels },
  };
}

/** The Cedar request for one (audience, scope) pair of a query. */
export function cedarRequest(set: CompiledPolicySet, query: PolicyQuery, principal: EntityJson, context: Context, resource: string, scope: string): CedarRequest {
  return {
    principal: { type: 'Agent', id: query.agent.id },
    action: { type: 'Action', id: query.action },
    resource: { type: 'Resource', id: resource },
    context: { ...context, scope },
    entities: [principal, set.resourceEntity(resource), ...set.groupEntities()],
  };
}
