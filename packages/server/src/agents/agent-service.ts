import { isPrivilegedScope } from '@agentauth/protocol';
import type { AuditEvent } from '../events/audit-events.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { assertAuditInput } from '../audit/validate-audit-input.js';
import { changeRecord, type AuditContext } from '../audit/change-record.js';
import { AGENT_PATCH_FIELDS, type AgentRecord, type AgentStatus, type AuditInput, type CredentialRecord } from '../store/records.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { AgentFilter, AgentStore } from '../store/ports/agent-store.js';
import type { Page, PageRequest } from '../store/ports/page.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import type { RegistrationPolicy, RegistrationPolicyRequest } from './registration-policy.js';
import { AgentError, invalid } from './agent-error.js';
import { checkTlsSubject, hasX5c, tlsAuditFields, tlsSubjectCount } from './tls-client-auth-fields.js';
import { newAgentId } from './agent-ids.js';
import { buildCredential, credentialFacts, type NewCredentialInput } from './build-credential.js';
import { generateSecret } from './client-secret.js';
import { AGENT_DEFAULTS, AGENT_LIMITS, validateAgentFields, type AgentFields, type AgentFieldsInput } from './validate-agent-input.js';

export type { AuditContext } from '../audit/change-record.js';

/** The slice of `Deps` the service needs, plus the agent cache's invalidation hook. */
export interface AgentServiceDeps {
  clock: Clock;
  random: Random;
  store: AgentStore;
  /** Called after every committed change, so cached copies of the agent are dropped at once. */
  onAgentChanged: (agentId: string) => void;
  /** Told of every change that revokes credentials (for the Shared Signals feed). */
  events?: RevocationEvents;
  /**
   * SPIFFE trust domain of our CA: a `tls_client_auth` agent registered without a subject gets
   * `tls_client_auth_san_uri` = `spiffe://<trust domain>/agent/<id>`, the URI SAN our CA issues it.
   */
  trustDomain?: string;
  /** The policy layer's decision on new agents (docs/policy.md); without it, valid input is enough. */
  registrationPolicy?: RegistrationPolicy;
}

/** The authority behind a change: only an administrator may grant privileged scopes. */
export interface Authority {
  /** True for the admin API and registrations made with an admin initial access token. */
  admin: boolean;
}

/** Input of {@link AgentService.createAgent}. */
export interface CreateAgentInput extends AgentFieldsInput {
  name: string;
  owner: string;
  /** RFC 7517 JWK Set of the agent's public keys. */
  jwks?: { keys: readonly unknown[] };
}

/** Options of {@link AgentService.createAgent}. */
export interface CreateAgentOptions extends Authority {
  /** Issue an RFC 7592 §3 registration access token (dynamic registration). */
  registrationAccessToken?: boolean;
  /** How the agent came to be, for the audit record. */
  via: 'admin_api' | 'registration';
  /**
   * Fields the caller did not send and the server filled in (RFC 7591 §2 "substitute them with
   * suitable values"): named in the `agent.registered` record as `defaulted`.
   */
  defaulted?: readonly string[];
}

/** An agent with its credentials. */
export interface AgentWithCredentials {
  agent: AgentRecord;
  credentials: CredentialRecord[];
}

/** A created agent and the secrets shown to the caller once and never again. */
export interface CreatedAgent extends AgentWithCredentials {
  clientSecret?: string;
  registrationAccessToken?: string;
}

/** Options of {@link AgentService.updateAgent}. */
export interface UpdateAgentOptions extends Authority {
  /** When given, the agent's registered keys become exactly these (RFC 7592 §2.2 full replace). */
  jwks?: { keys: readonly unknown[] };
}

const STATUS_EVENTS: Record<AgentStatus, AuditEvent> = {
  active: 'agent.resumed',
  suspended: 'agent.suspended',
  disabled: 'agent.disabled',
};

/**
 * The agent registry's operations (src/agents), framework-free. Every change is validated, written
 * to the store together with its audit records (one transaction: both or neither), then announced
 * through `onAgentChanged` (so a suspended agent fails authentication at once). Refusals are
 * `AgentError`s.
 */
export class AgentService {
  constructor(private readonly deps: AgentServiceDeps) {}

  /**
   * Registers an agent (RFC 7591 §2 metadata, our field names). A `client_secret_*` agent gets a
   * generated 256-bit secret, returned once and stored as SHA-256 only.
   */
  async createAgent(input: CreateAgentInput, ctx: AuditContext, options: CreateAgentOptions): Promise<CreatedAgent> {
    if (input.name === undefined || input.owner === undefined) throw invalid('name and owner are required');
    const fields = validateAgentFields(input, { ...AGENT_DEFAULTS, name: input.name, owner: input.owner });
    this.checkPrivilegedScopes(fields.scopes, [], options);
    const keys = input.jwks?.keys;
    this.checkKeySource(fields, keys !== undefined && keys.length > 0);
    if (keys !== undefined && keys.length > 0 && !KEY_METHODS.has(fields.tokenEndpointAuthMethod)) {
      throw invalid('jwks is only for token_endpoint_auth_method private_key_jwt or self_signed_tls_client_auth');
    }
    if (keys !== undefined && keys.length > AGENT_LIMITS.credentialsMax) throw invalid(`jwks holds at most ${AGENT_LIMITS.credentialsMax} keys`);
    if (fields.tokenEndpointAuthMethod === 'self_signed_tls_client_auth' && (keys ?? []).some((k) => !hasX5c(k))) {
      throw invalid('every key of a self_signed_tls_client_auth agent must carry its certificate in x5c (RFC 8705 §2.2)');
    }

    const now = this.deps.clock.now();
    const id = newAgentId(this.deps.random);
    if (fields.tokenEndpointAuthMethod === 'tls_client_auth' && tlsSubjectCount(fields) === 0 && this.deps.trustDomain !== undefined) {
      fields.tlsClientAuthSanUri = `spiffe://${this.deps.trustDomain}/agent/${id}`;
    }
    checkTlsSubject(fields);
    const credentials: CredentialRecord[] = [];
    for (const jwk of keys ?? []) {
      credentials.push((await buildCredential({ type: 'jwk', jwk }, { id, jwksUri: null }, credentials, this.deps.random, now)).credential);
    }
    let clientSecret: string | undefined;
    if (fields.tokenEndpointAuthMethod === 'client_secret_basic' || fields.tokenEndpointAuthMethod === 'client_secret_post') {
      const built = await buildCredential({ type: 'secret' }, { id, jwksUri: null }, credentials, this.deps.random, now);
      credentials.push(built.credential);
      clientSecret = built.clientSecret;
    }
    const registration = options.registrationAccessToken ? generateSecret(this.deps.random) : undefined;
    this.checkRegistrationPolicy({ id, status: 'active', ...fields, registrationAccessTokenHash: null, revokedBefore: null, createdAt: now, updatedAt: now, lastSeenAt: null, version: 0 }, options.via, ctx, now);

    const registered = this.record('agent.registered', id, ctx, {
      via: options.via,
      name: fields.name,
      owner: fields.owner,
      scopes: fields.scopes,
      resources: fields.resources,
      grant_types: fields.grantTypes,
      token_endpoint_auth_method: fields.tokenEndpointAuthMethod,
      jwks_uri: fields.jwksUri,
      ...tlsAuditFields(fields),
      ...(fields.dpopBoundAccessTokens === true ? { dpop_bound_access_tokens: true } : {}),
      ...(fields.backchannelTokenDeliveryMode ? { backchannel_token_delivery_mode: fields.backchannelTokenDeliveryMode } : {}),
      ...(fields.backchannelClientNotificationEndpoint ? { backchannel_client_notification_endpoint: fields.backchannelClientNotificationEndpoint } : {}),
      credentials: credentials.map(credentialFacts),
      ...(options.defaulted !== undefined && options.defaulted.length > 0 ? { defaulted: [...options.defaulted] } : {}),
    });
    let agent: AgentRecord;
    try {
      agent = await this.deps.store.createAgent({ id, status: 'active', ...fields, registrationAccessTokenHash: registration?.hash ?? null }, credentials, now, [registered]);
    } catch (error) {
      if (error instanceof ConflictError) throw new AgentError('conflict', 'an agent with this id already exists');
      throw error;
    }
    this.deps.onAgentChanged(id);
    return {
      agent,
      credentials,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      ...(registration === undefined ? {} : { registrationAccessToken: registration.secret }),
    };
  }

  /** The agent and its credentials; `not_found` if there is none. */
  async getAgent(id: string): Promise<AgentWithCredentials> {
    const agent = await this.deps.store.getAgent(id);
    if (agent === undefined) throw notFound();
    return { agent, credentials: await this.deps.store.listCredentials(id) };
  }

  /** One page of agents, ordered by id, each with its credentials. */
  async listAgents(filter: AgentFilter, page: PageRequest): Promise<Page<AgentWithCredentials>> {
    const result = await this.deps.store.listAgents(filter, page);
    const items = await Promise.all(result.items.map(async (agent) => ({ agent, credentials: await this.deps.store.listCredentials(agent.id) })));
    return result.next === undefined ? { items } : { items, next: result.next };
  }

  /**
   * Changes the fields given. Privileged scopes the agent does not already hold need an
   * administrator. With `options.jwks`, the registered keys are replaced: keys whose `kid` is
   * new are added and keys no longer listed are removed, each change audited.
   */
  async updateAgent(id: string, patch: AgentFieldsInput, ctx: AuditContext, options: UpdateAgentOptions): Promise<AgentWithCredentials> {
    const { agent: current, credentials } = await this.getAgent(id);
    const fields = validateAgentFields(patch, current);
    this.checkPrivilegedScopes(fields.scopes, current.scopes, options);
    checkTlsSubject(fields);
    const now = this.deps.clock.now();

    const added: CredentialRecord[] = [];
    const removed: CredentialRecord[] = [];
    let keptJwks: CredentialRecord[] = credentials.filter((c) => c.kind === 'jwk');
    if (options.jwks !== undefined) {
      if (options.jwks.keys.length > AGENT_LIMITS.credentialsMax) throw invalid(`jwks holds at most ${AGENT_LIMITS.credentialsMax} keys`);
      const wanted: CredentialRecord[] = [];
      for (const jwk of options.jwks.keys) {
        const { credential } = await buildCredential({ type: 'jwk', jwk }, { id, jwksUri: null }, wanted, this.deps.random, now);
        wanted.push(credential);
      }
      const kidOf = (c: CredentialRecord) => (c.kind === 'jwk' ? c.kid : '');
      const wantedKids = new Set(wanted.map(kidOf));
      const currentKids = new Set(keptJwks.map(kidOf));
      removed.push(...keptJwks.filter((c) => !wantedKids.has(kidOf(c))));
      added.push(...wanted.filter((c) => !currentKids.has(kidOf(c))));
      keptJwks = [...keptJwks.filter((c) => wantedKids.has(kidOf(c))), ...added];
    }
    this.checkKeySource(fields, keptJwks.length > 0);

    const changed = changedFields(current, fields);
    // A change of registration is decided like a registration: what the agent would be afterwards.
    if (changed.length > 0) this.checkRegistrationPolicy({ ...current, ...fields, updatedAt: now }, 'update', ctx, now);
    const audit = [
      ...(changed.length > 0 ? [this.record('agent.updated', id, ctx, { fields: changed.map(snakeCase), ...auditedValues(pick(fields, changed)) })] : []),
      ...added.map((credential) => this.record('credential.added', id, ctx, credentialFacts(credential))),
      ...removed.map((credential) => this.record('credential.removed', id, ctx, credentialFacts(credential))),
    ];
    let agent = current;
    if (audit.length > 0) {
      // The fields, the keys and every record of them in one transaction.
      let updated: AgentRecord | undefined;
      try {
        updated = await this.deps.store.updateAgent(id, pick(fields, changed), now, { addCredentials: added, removeCredentialIds: removed.map((c) => c.id), audit });
      } catch (error) {
        if (error instanceof ConflictError) throw new AgentError('conflict', 'a credential with this id already exists');
        throw error;
      }
      if (updated === undefined) throw notFound();
      agent = updated;
      this.deps.onAgentChanged(id);
    }
    for (const credential of removed) this.deps.events?.publish({ kind: 'credential_removed', agentId: id, credentialId: credential.id, credentialKind: credential.kind, at: now });
    return { agent, credentials: await this.deps.store.listCredentials(id) };
  }

  /**
   * Suspends an active agent; every token it holds becomes inactive at once (ARCHITECTURE.md, The
   * request that matters).
   */
  suspend(id: string, ctx: AuditContext, reason?: string): Promise<AgentWithCredentials> {
    return this.setStatus(id, 'suspended', ctx, reason === undefined ? {} : { reason });
  }

  /** Returns a suspended agent to service. A disabled agent cannot be resumed. */
  resume(id: string, ctx: AuditContext): Promise<AgentWithCredentials> {
    return this.setStatus(id, 'active', ctx);
  }

  /** Disables an agent for good (short of deletion); its tokens become inactive at once. */
  disable(id: string, ctx: AuditContext): Promise<AgentWithCredentials> {
    return this.setStatus(id, 'disabled', ctx);
  }

  /**
   * Deletes the agent and its credentials, and records it, in one transaction (nodes polling the
   * change counter see it go with the same commit).
   */
  async deleteAgent(id: string, ctx: AuditContext): Promise<void> {
    const now = this.deps.clock.now();
    const current = await this.deps.store.getAgent(id);
    if (current === undefined) throw notFound();
    if (!(await this.deps.store.deleteAgent(id, [this.record('agent.deleted', id, ctx, { name: current.name, owner: current.owner })]))) throw notFound();
    this.deps.onAgentChanged(id);
    this.deps.events?.publish({ kind: 'agent_revoked', agentId: id, status: 'deleted', at: now });
  }

  /**
   * Adds a credential; a secret is generated here and returned once. `alsoRecord` gives further
   * records of the same change (an enrolment's `agent.enrolled`), written in its transaction.
   */
  async addCredential(
    id: string,
    input: NewCredentialInput,
    ctx: AuditContext,
    alsoRecord: (credential: CredentialRecord) => AuditInput[] = () => [],
  ): Promise<{ credential: CredentialRecord; clientSecret?: string }> {
    const { agent, credentials } = await this.getAgent(id);
    const built = await buildCredential(input, agent, credentials, this.deps.random, this.deps.clock.now());
    await this.deps.store.addCredential(built.credential, [this.record('credential.added', id, ctx, credentialFacts(built.credential)), ...alsoRecord(built.credential)]);
    this.deps.onAgentChanged(id);
    return built;
  }

  /** Removes a credential; authentication with it fails at once. */
  async removeCredential(id: string, credentialId: string, ctx: AuditContext): Promise<void> {
    const { credentials } = await this.getAgent(id);
    const credential = credentials.find((c) => c.id === credentialId);
    if (credential === undefined || !(await this.deps.store.removeCredential(id, credentialId, [this.record('credential.removed', id, ctx, credentialFacts(credential))]))) {
      throw new AgentError('not_found', 'no such credential on this agent');
    }
    this.deps.onAgentChanged(id);
    this.deps.events?.publish({ kind: 'credential_removed', agentId: id, credentialId, credentialKind: credential.kind, at: this.deps.clock.now() });
  }

  /** The policy layer's `register_agent` decision on the agent as it would be; throws `forbidden`. */
  private checkRegistrationPolicy(agent: AgentRecord, via: RegistrationPolicyRequest['via'], ctx: AuditContext, now: number): void {
    const refused = this.deps.registrationPolicy?.({ agent, via, actor: ctx.actor, sourceIp: ctx.sourceIp, now });
    if (refused !== undefined) throw new AgentError('forbidden', refused.description, refused.detail);
  }

  private async setStatus(id: string, status: AgentStatus, ctx: AuditContext, details: Record<string, unknown> = {}): Promise<AgentWithCredentials> {
    const { agent: current, credentials } = await this.getAgent(id);
    if (current.status === status) return { agent: current, credentials };
    if (current.status === 'disabled') throw new AgentError('conflict', 'the agent is disabled; delete it or register a new one');
    const now = this.deps.clock.now();
    const agent = await this.deps.store.setAgentStatus(id, status, now, [this.record(STATUS_EVENTS[status], id, ctx, { previous_status: current.status, ...details })]);
    if (agent === undefined) throw notFound();
    this.deps.onAgentChanged(id);
    if (status !== 'active') this.deps.events?.publish({ kind: 'agent_revoked', agentId: id, status, at: now });
    return { agent, credentials };
  }

  /** RFC 6749 §3.3: the server decides what it grants; `agentauth:*` only by an administrator. */
  private checkPrivilegedScopes(scopes: readonly string[], alreadyHeld: readonly string[], authority: Authority): void {
    if (authority.admin) return;
    const added = scopes.filter((s) => isPrivilegedScope(s) && !alreadyHeld.includes(s));
    if (added.length > 0) throw new AgentError('forbidden', `only an administrator may grant the scope "${added[0]}"`);
  }

  /** RFC 7591 §2: `jwks_uri` and `jwks` are exclusive, and both belong to `private_key_jwt`. */
  private checkKeySource(fields: AgentFields, hasRegisteredKeys: boolean): void {
    if (fields.jwksUri !== null && hasRegisteredKeys) throw invalid('jwks and jwks_uri must not both be present');
    if (fields.tokenEndpointAuthMethod !== 'private_key_jwt' && fields.jwksUri !== null) {
      throw invalid('jwks_uri is only for token_endpoint_auth_method private_key_jwt');
    }
  }

  /** The audit record of a change, written by the store in the change's own transaction. */
  private record(event: AuditEvent, agentId: string, ctx: AuditContext, details: Record<string, unknown>): AuditInput {
    const record = changeRecord(this.deps.clock.now(), event, ctx, details, agentId);
    try {
      assertAuditInput(record);
    } catch {
      // A valid change is recorded even if the caller's values (a huge scope list, a name that
      // looks like a token) cannot go into details.
      record.details = { details_omitted: true };
    }
    return record;
  }
}

function notFound(): AgentError {
  return new AgentError('not_found', 'no such agent');
}

/** What an update compares and audits: every patchable field but the registration token's hash. */
type FieldName = Exclude<(typeof AGENT_PATCH_FIELDS)[number], 'registrationAccessTokenHash'>;
const FIELD_NAMES = AGENT_PATCH_FIELDS.filter((f): f is FieldName => f !== 'registrationAccessTokenHash');

function changedFields(current: AgentRecord, next: AgentFields): FieldName[] {
  // The RFC 8705 and CIBA fields are absent from records that never set them: absent equals the default.
  return FIELD_NAMES.filter((f) => JSON.stringify(current[f] ?? AGENT_DEFAULTS[f as keyof typeof AGENT_DEFAULTS] ?? null) !== JSON.stringify(next[f] ?? null));
}

/** Methods whose agents register public keys (`jwks`). */
const KEY_METHODS: ReadonlySet<string> = new Set(['private_key_jwt', 'self_signed_tls_client_auth']);

function pick(fields: AgentFields, names: readonly FieldName[]): Partial<AgentFields> {
  return Object.fromEntries(names.map((n) => [n, fields[n]])) as Partial<AgentFields>;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Labels (caller-chosen keys) and descriptions (long free text) are named in `fields` only. */
function auditedValues(values: Partial<AgentFields>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([k]) => k !== 'description' && k !== 'labels')
      .map(([k, v]) => [snakeCase(k), v]),
  );
}
