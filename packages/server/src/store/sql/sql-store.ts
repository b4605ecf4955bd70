import { sql } from 'kysely';
import type {
  AgentPatch,
  AgentRecord,
  AgentStanding,
  AgentStatus,
  AuditRecord,
  CredentialRecord,
  IssuedTokenRecord,
  NewAgent,
  RevokedTokenRecord,
  SigningKeyRecord,
} from '../records.js';
import type { AgentFilter, AuditFilter, CommitResult, CommitStore, CommitUnit, Page, PageRequest, ReplayClaim, SigningKeyStore, Store, TokenState } from '../store.js';
import * as agents from './agent-queries.js';
import * as audit from './audit-queries.js';
import { hashAuditRecord } from '../../audit/hash-chain.js';
import { commitUnits } from './commit-units.js';
import type { SqliteCommitThread } from './sqlite-commit-thread.js';
import * as keys from './signing-key-queries.js';
import * as settings from './settings-queries.js';
import type { SqlContext } from './sql-context.js';
import * as tokens from './token-queries.js';
import * as replayClaims from './replay-claim-queries.js';

/**
 * The `Store` over Kysely, for SQLite and PostgreSQL alike. Each verb lives with its concern
 * (`agent-queries.ts`, `signing-key-queries.ts`, `token-queries.ts`, `audit-queries.ts`,
 * `commit-units.ts`); this class only binds them to one database. Build it with `openStore`.
 */
export class SqlStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  #closed = false;

  constructor(
    private readonly ctx: SqlContext,
    private readonly onClose: () => Promise<void>,
    /** SQLite: the group commit's own thread (see `OpenStoreOptions.commitThread`). */
    private readonly commitThread?: SqliteCommitThread,
  ) {
    this.dialect = ctx.dialect.name;
  }

  /**
   * The database context, for feature stores that keep their own tables in their own files over
   * the same database (e.g. the CA's certificates): `new SqlCertificateStore(store.context)`.
   */
  get context(): SqlContext {
    return this.ctx;
  }

  createAgent(agent: NewAgent, credentials: CredentialRecord[], now: number): Promise<AgentRecord> {
    return agents.createAgent(this.ctx, agent, credentials, now);
  }
  getAgent(id: string): Promise<AgentRecord | undefined> {
    return agents.getAgent(this.ctx, id);
  }
  getAgentStanding(id: string): Promise<AgentStanding | undefined> {
    return agents.getAgentStanding(this.ctx, id);
  }
  listAgents(filter: AgentFilter, page: PageRequest): Promise<Page<AgentRecord>> {
    return agents.listAgents(this.ctx, filter, page);
  }
  updateAgent(id: string, patch: AgentPatch, now: number): Promise<AgentRecord | undefined> {
    return agents.updateAgent(this.ctx, id, patch, now);
  }
  setAgentStatus(id: string, status: AgentStatus, now: number): Promise<AgentRecord | undefined> {
    return agents.setAgentStatus(this.ctx, id, status, now);
  }
  deleteAgent(id: string): Promise<boolean> {
    return agents.deleteAgent(this.ctx, id);
  }
  touchAgents(lastSeen: ReadonlyMap<string, number>): Promise<void> {
    return agents.touchAgents(this.ctx, lastSeen);
  }
  listCredentials(agentId: string): Promise<CredentialRecord[]> {
    return agents.listCredentials(this.ctx, agentId);
  }
  addCredential(credential: CredentialRecord): Promise<void> {
    return agents.addCredential(this.ctx, credential);
  }
  removeCredential(agentId: string, credentialId: string): Promise<boolean> {
    return agents.removeCredential(this.ctx, agentId, credentialId);
  }
  agentsChangeCounter(): Promise<number> {
    return agents.agentsChangeCounter(this.ctx);
  }

  listSigningKeys(now: number): Promise<SigningKeyRecord[]> {
    return keys.listSigningKeys(this.ctx, now);
  }
  mutateSigningKeys(now: number, plan: Parameters<SigningKeyStore['mutateSigningKeys']>[1]): Promise<SigningKeyRecord[]> {
    return keys.mutateSigningKeys(this.ctx, now, plan);
  }

  getIssuedToken(jti: string): Promise<IssuedTokenRecord | undefined> {
    return tokens.getIssuedToken(this.ctx, jti);
  }
  getTokenState(jti: string): Promise<TokenState> {
    return tokens.getTokenState(this.ctx, jti);
  }
  revokeToken(record: RevokedTokenRecord): Promise<boolean> {
    return tokens.revokeToken(this.ctx, record);
  }
  listAgentTokens(agentId: string, now: number, page: PageRequest): Promise<Page<IssuedTokenRecord>> {
    return tokens.listAgentTokens(this.ctx, agentId, now, page);
  }
  isTokenRevoked(jti: string): Promise<boolean> {
    return tokens.isTokenRevoked(this.ctx, jti);
  }
  listRevokedTokensSince(since: number): Promise<RevokedTokenRecord[]> {
    return tokens.listRevokedTokensSince(this.ctx, since);
  }
  pruneExpired(now: number): Promise<number> {
    return tokens.pruneExpired(this.ctx, now);
  }
  keepReplayClaims(claims: readonly ReplayClaim[]): Promise<void> {
    return replayClaims.keepReplayClaims(this.ctx, claims);
  }
  liveReplayClaims(prefix: string, now: number): Promise<ReplayClaim[]> {
    return replayClaims.liveReplayClaims(this.ctx, prefix, now);
  }

  queryAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    return audit.queryAudit(this.ctx, filter, page);
  }
  readAuditRange(fromSeq: number, limit: number): Promise<AuditRecord[]> {
    return audit.readAuditRange(this.ctx, fromSeq, limit);
  }

  commitUnits(units: CommitUnit[], hashRecord: Parameters<CommitStore['commitUnits']>[1]): Promise<CommitResult[]> {
    if (this.commitThread === undefined) return commitUnits(this.ctx, units, hashRecord);
    if (hashRecord !== hashAuditRecord) return Promise.reject(new TypeError('the SQLite commit thread hashes the chain with hashAuditRecord only'));
    // Under this process's write gate, like every write of the main thread's connection: otherwise
    // a main-thread write (last-seen times, pruning, a revocation) that found the commit thread
    // holding SQLite's write lock would wait in SQLite's busy handler, which sleeps on the event
    // loop (measured: event-loop stalls of 10 ms and more every few seconds under load). Gated,
    // it waits for the batch in flight without blocking anything, and then finds the lock free.
    // Within this process only: with `--workers N` on SQLite, another process's batch can still
    // make a main-thread write wait in the busy handler (PostgreSQL is the multi-process store).
    const thread = this.commitThread;
    return this.ctx.exclusive(() => thread.commit(units));
  }

  getSetting(name: string): Promise<string | undefined> {
    return settings.getSetting(this.ctx, name);
  }
  insertSettingIfAbsent(name: string, value: string): Promise<boolean> {
    return settings.insertSettingIfAbsent(this.ctx, name, value);
  }

  /** A `SELECT 1` round trip. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.ctx.db);
  }

  /** Closes the database (SQLite file or PostgreSQL pool). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.commitThread?.close();
    await this.onClose();
  }
}
