import { formatApiKey } from '@agentauth/protocol';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { AgentError, invalid } from '../agents/agent-error.js';
import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { ApiKeyRecord, ApiKeyStore } from '../store/ports/api-key-store.js';
import { apiKeyHash } from './api-key-hash.js';

/** Shortest key lifetime: anything less is a typo, not a policy. */
export const MIN_API_KEY_TTL_SECONDS = 3600;
/** Longest overlap of a rotated key with its successor: a week of deployments. */
export const MAX_API_KEY_OVERLAP_SECONDS = 7 * 24 * 3600;
/** Most keys one listing returns. */
export const MAX_API_KEY_LIST = 500;
/** The public handle of a key: `ak_` and 16 random bytes. */
export const API_KEY_ID_PATTERN = /^ak_[A-Za-z0-9_-]{22}$/;

/** What an operator asks for when creating a key; omitted scopes/resources mean all of the agent's. */
export interface CreateApiKeyInput {
  ttlSeconds: number;
  scopes?: readonly string[];
  resources?: readonly string[];
  owner?: string;
  labels?: Readonly<Record<string, string>>;
}

/** A key as created: `key` is shown this once and never stored. */
export interface CreatedApiKey {
  record: ApiKeyRecord;
  key: string;
}

/** The slice of `Deps` the service needs. */
export interface ApiKeyServiceDeps {
  clock: Clock;
  random: Random;
  agents: Pick<AgentStore, 'getAgent'>;
  store: ApiKeyStore;
  /** The `apiKeyMaxTtl` setting, seconds: every key expires within it. */
  maxTtlSeconds: number;
}

/**
 * Managed API keys (docs/migration.md): a bridge for scripts that cannot yet hold a key pair.
 * Each key belongs to one agent, carries at most the agent's scopes and resources, always expires
 * (within `apiKeyMaxTtl`), and is stored by SHA-256 only; the key itself is returned once, on
 * creation or rotation. Every change is audited in the transaction that makes it, and no record
 * carries the key or its digest.
 */
export class ApiKeyService {
  constructor(private readonly deps: ApiKeyServiceDeps) {}

  /** Creates a key for an active agent. Refusals are `AgentError`s naming the field and rule. */
  async create(agentId: string, input: CreateApiKeyInput, ctx: AuditContext): Promise<CreatedApiKey> {
    const agent = AGENT_ID_PATTERN.test(agentId) ? await this.deps.agents.getAgent(agentId) : undefined;
    if (agent === undefined) throw new AgentError('not_found', 'no such agent');
    if (agent.status !== 'active') throw new AgentError('conflict', `the agent is ${agent.status}; only an active agent gets keys`);
    const ttl = this.checkTtl(input.ttlSeconds);
    const scopes = subset('scopes', input.scopes ?? agent.scopes, agent.scopes);
    const resources = subset('resources', input.resources ?? agent.resources, agent.resources);
    const now = this.deps.clock.now();
    const { record, key } = this.newKey({ agentId, owner: input.owner ?? agent.owner, scopes, resources, labels: { ...(input.labels ?? {}) }, now, ttl, replacesId: null });
    await this.deps.store.createApiKey(record, [changeRecord(now, 'api_key.created', ctx, auditFields(record), agentId)]);
    return { record, key };
  }

  /** One key by its handle. */
  async get(id: string): Promise<ApiKeyRecord> {
    const record = API_KEY_ID_PATTERN.test(id) ? await this.deps.store.getApiKey(id) : undefined;
    if (record === undefined) throw new AgentError('not_found', 'no such API key');
    return record;
  }

  /**
   * The key whose SHA-256 (lowercase hex) is `digest`, whatever its state; undefined when none is.
   * For a leak scanner that holds a key it found and asks what it is, without sending the key.
   */
  findByDigest(digest: string): Promise<ApiKeyRecord | undefined> {
    return /^[0-9a-f]{64}$/.test(digest) ? this.deps.store.findApiKeyByHash(digest) : Promise.resolve(undefined);
  }

  /** Keys, oldest first, of one agent or all. */
  list(agentId: string | undefined, limit: number): Promise<ApiKeyRecord[]> {
    return this.deps.store.listApiKeys({ ...(agentId === undefined ? {} : { agentId }), limit: Math.min(limit, MAX_API_KEY_LIST) });
  }

  /**
   * Rotation: a successor with the same agent, owner, scopes, resources and labels, and a fresh
   * lifetime (`ttlSeconds`, default the old key's); the old key keeps working for
   * `overlapSeconds` (0 ends it now) so deployments can switch without an outage.
   */
  async rotate(id: string, overlapSeconds: number, ttlSeconds: number | undefined, ctx: AuditContext): Promise<CreatedApiKey> {
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_API_KEY_OVERLAP_SECONDS) {
      throw invalid(`overlap must be an integer of 0..${MAX_API_KEY_OVERLAP_SECONDS} seconds`);
    }
    const old = await this.get(id);
    const now = this.deps.clock.now();
    const ttl = this.checkTtl(ttlSeconds ?? Math.max(MIN_API_KEY_TTL_SECONDS, Math.round((old.expiresAt - old.createdAt) / 1000)));
    const { record, key } = this.newKey({ ...old, now, ttl, replacesId: old.id });
    const overlapEndsAt = now + overlapSeconds * 1000;
    const details = { ...auditFields(record), replaces_id: old.id, old_key_expires_at: new Date(Math.min(old.expiresAt, overlapEndsAt)).toISOString() };
    const done = await this.deps.store.rotateApiKey(old.id, record, overlapEndsAt, now, [changeRecord(now, 'api_key.rotated', ctx, details, old.agentId)]);
    if (!done) throw new AgentError('conflict', 'the API key is revoked or expired; create a new one instead');
    return { record, key };
  }

  /** Revokes a key at once; revoking a revoked key is a conflict, so a repeated call is noticed. */
  async revoke(id: string, ctx: AuditContext): Promise<ApiKeyRecord> {
    const record = await this.get(id);
    const now = this.deps.clock.now();
    const done = await this.deps.store.revokeApiKey(id, now, [changeRecord(now, 'api_key.revoked', ctx, { managed_key_id: id }, record.agentId)]);
    if (!done) throw new AgentError('conflict', 'the API key is already revoked');
    return { ...record, revokedAt: now };
  }

  private checkTtl(ttl: number): number {
    const max = this.deps.maxTtlSeconds;
    if (!Number.isInteger(ttl) || ttl < MIN_API_KEY_TTL_SECONDS || ttl > max) throw invalid(`ttl must be an integer of ${MIN_API_KEY_TTL_SECONDS}..${max} seconds (apiKeyMaxTtl)`);
    return ttl;
  }

  private newKey(from: Pick<ApiKeyRecord, 'agentId' | 'owner' | 'scopes' | 'resources' | 'labels' | 'replacesId'> & { now: number; ttl: number }): CreatedApiKey {
    const key = formatApiKey(Buffer.from(this.deps.random.token(32), 'base64url'));
    const record: ApiKeyRecord = {
      id: `ak_${this.deps.random.token(16)}`,
      keyHash: apiKeyHash(key),
      agentId: from.agentId,
      owner: from.owner,
      scopes: [...from.scopes],
      resources: [...from.resources],
      labels: { ...from.labels },
      createdAt: from.now,
      expiresAt: from.now + from.ttl * 1000,
      revokedAt: null,
      replacesId: from.replacesId,
      lastUsedAt: null,
      useCount: 0,
      sourceAddresses: [],
    };
    return { record, key };
  }
}

/** Asked values within what the agent has; duplicates removed. */
function subset(field: string, asked: readonly string[], allowed: readonly string[]): string[] {
  const outside = asked.filter((value) => !allowed.includes(value));
  if (outside.length > 0) throw invalid(`${field} must be within the agent's ${field}; not allowed: ${outside.join(' ')}`);
  return [...new Set(asked)];
}

/** What an audit record says of a key: never the key nor its digest. */
function auditFields(record: ApiKeyRecord): Record<string, unknown> {
  return { managed_key_id: record.id, owner: record.owner, scopes: record.scopes, resources: record.resources, expires_at: new Date(record.expiresAt).toISOString() };
}
