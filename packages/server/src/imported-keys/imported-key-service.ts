import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { AgentError } from '../agents/agent-error.js';
import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { AgentRecord } from '../store/records.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { ImportedKeyRecord, ImportedKeyStore } from '../store/ports/imported-key-store.js';
import { readImportLine, type ImportLine } from './import-line.js';
import { KeyImportError, type ImportLineError } from './key-import-error.js';

/** Most lines one import takes: a larger file is sent in several batches. */
export const MAX_IMPORT_BATCH = 1000;
/** Most keys one listing returns. */
export const MAX_IMPORTED_KEY_LIST = 500;
/** The public handle of an imported key: `ik_` and 16 random bytes. */
export const IMPORTED_KEY_ID_PATTERN = /^ik_[A-Za-z0-9_-]{22}$/;

/** The slice of `Deps` the service needs. */
export interface ImportedKeyServiceDeps {
  clock: Clock;
  random: Random;
  agents: Pick<AgentStore, 'getAgent'>;
  store: ImportedKeyStore;
  /** The `apiKeyMaxTtl` setting, seconds: imported keys expire within it, as managed ones do. */
  maxTtlSeconds: number;
}

/**
 * Third-party keys imported by digest (docs/migration.md, "Keys you already have"): a team lists
 * the keys its services accept today by SHA-256, each with its agent, owner, scopes and resources,
 * and the services then ask agentauth about each presented key. The key never leaves the service;
 * only its digest is stored and no record or answer carries even that. A batch is imported whole
 * or not at all, and every line at fault is reported together.
 */
export class ImportedKeyService {
  constructor(private readonly deps: ImportedKeyServiceDeps) {}

  /**
   * Imports a batch. Each line names an active agent; scopes and resources (default: all of the
   * agent's) must be within the agent's; the owner defaults to the agent's; `expires_at` must be
   * in the future and within `apiKeyMaxTtl` (default: that far ahead). A digest may appear once,
   * in the batch and in the store. Refusals are a `KeyImportError` listing every line at fault.
   */
  async import(raw: readonly unknown[], ctx: AuditContext): Promise<ImportedKeyRecord[]> {
    if (raw.length === 0 || raw.length > MAX_IMPORT_BATCH) throw new AgentError('validation_failed', `keys must hold 1..${MAX_IMPORT_BATCH} lines; send a larger file in several batches`);
    const now = this.deps.clock.now();
    const maxExpiry = now + this.deps.maxTtlSeconds * 1000;
    const errors: ImportLineError[] = [];
    const lines: ImportLine[] = [];
    raw.forEach((item, index) => {
      const read = readImportLine(item, index + 1);
      if ('errors' in read) errors.push(...read.errors);
      else lines.push(read.line);
    });

    const firstLine = new Map<string, number>();
    for (const line of lines) {
      const seen = firstLine.get(line.keyDigest);
      if (seen === undefined) firstLine.set(line.keyDigest, line.line);
      else errors.push({ line: line.line, field: 'key_digest', message: `repeats the digest of line ${seen}` });
    }
    const known = await this.deps.store.knownImportedKeyDigests([...firstLine.keys()]);
    const agents = new Map<string, AgentRecord | undefined>();
    const records: ImportedKeyRecord[] = [];
    for (const line of lines) {
      const fault = (field: string, message: string) => errors.push({ line: line.line, field, message });
      if (known.has(line.keyDigest)) fault('key_digest', 'is already imported; revoke the old record first to import it again');
      if (!agents.has(line.agentId)) agents.set(line.agentId, AGENT_ID_PATTERN.test(line.agentId) ? await this.deps.agents.getAgent(line.agentId) : undefined);
      const agent = agents.get(line.agentId);
      if (agent === undefined) {
        fault('agent_id', 'names no agent');
        continue;
      }
      if (agent.status !== 'active') fault('agent_id', `names an agent that is ${agent.status}; only an active agent gets keys`);
      const scopes = line.scopes ?? [...agent.scopes];
      const resources = line.resources ?? [...agent.resources];
      const outsideScopes = scopes.filter((s) => !agent.scopes.includes(s));
      if (outsideScopes.length > 0) fault('scopes', `must be within the agent's scopes; not allowed: ${outsideScopes.join(' ')}`);
      const outsideResources = resources.filter((r) => !agent.resources.includes(r));
      if (outsideResources.length > 0) fault('resources', `must be within the agent's resources; not allowed: ${outsideResources.join(' ')}`);
      const expiresAt = line.expiresAt ?? maxExpiry;
      if (expiresAt <= now || expiresAt > maxExpiry) fault('expires_at', `must be after now and at most ${this.deps.maxTtlSeconds} seconds ahead (apiKeyMaxTtl)`);
      records.push({
        id: `ik_${this.deps.random.token(16)}`,
        keyDigest: line.keyDigest,
        agentId: agent.id,
        owner: line.owner ?? agent.owner,
        scopes,
        resources,
        labels: line.labels ?? {},
        importedAt: now,
        expiresAt,
        revokedAt: null,
        lastUsedAt: null,
        useCount: 0,
        sourceAddresses: [],
      });
    }
    if (errors.length > 0) throw new KeyImportError(errors.sort((a, b) => a.line - b.line));

    const lineOf = new Map(lines.map((line) => [line.keyDigest, line.line]));
    const audit = records.map((record) => changeRecord(now, 'imported_key.imported', ctx, { ...auditFields(record), line: lineOf.get(record.keyDigest) ?? null }, record.agentId));
    try {
      await this.deps.store.importKeys(records, audit);
    } catch (error) {
      // Another import of the same digest won the race since the check above.
      if (error instanceof ConflictError) throw new AgentError('conflict', 'a key of this batch was imported meanwhile; nothing was imported, send the batch again for the lines at fault');
      throw error;
    }
    return records;
  }

  /** One imported key by its handle. */
  async get(id: string): Promise<ImportedKeyRecord> {
    const record = IMPORTED_KEY_ID_PATTERN.test(id) ? await this.deps.store.getImportedKey(id) : undefined;
    if (record === undefined) throw new AgentError('not_found', 'no such imported key');
    return record;
  }

  /** Imported keys, oldest first, of one agent or all. */
  list(agentId: string | undefined, limit: number): Promise<ImportedKeyRecord[]> {
    return this.deps.store.listImportedKeys({ ...(agentId === undefined ? {} : { agentId }), limit: Math.min(limit, MAX_IMPORTED_KEY_LIST) });
  }

  /** Revokes an imported key at once; revoking it twice is a conflict, so a repeated call is noticed. */
  async revoke(id: string, ctx: AuditContext): Promise<ImportedKeyRecord> {
    const record = await this.get(id);
    const now = this.deps.clock.now();
    const done = await this.deps.store.revokeImportedKey(id, now, [changeRecord(now, 'imported_key.revoked', ctx, { imported_key_id: id }, record.agentId)]);
    if (!done) throw new AgentError('conflict', 'the imported key is already revoked');
    return { ...record, revokedAt: now };
  }
}

/** What an audit record says of an imported key: never the key nor its digest. */
function auditFields(record: ImportedKeyRecord): Record<string, unknown> {
  return { imported_key_id: record.id, owner: record.owner, scopes: record.scopes, resources: record.resources, expires_at: new Date(record.expiresAt).toISOString() };
}
