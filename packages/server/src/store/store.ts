import type {
  AgentPatch,
  AgentRecord,
  AgentStanding,
  AgentStatus,
  AuditInput,
  AuditOutcome,
  AuditRecord,
  CredentialRecord,
  IssuedTokenRecord,
  NewAgent,
  RevokedTokenRecord,
  SigningKeyRecord,
} from './records.js';

/** Cursor pagination: `after` is an opaque cursor returned as `next` by the previous page. */
export interface PageRequest {
  limit: number;
  after?: string;
}

export interface Page<T> {
  items: T[];
  /** Cursor of the next page; absent on the last page. */
  next?: string;
}

export interface AgentFilter {
  status?: AgentStatus;
  owner?: string;
  /** Every label given must match exactly. */
  labels?: Record<string, string>;
  /** Case-insensitive substring of the name. */
  nameContains?: string;
}

/** The agent registry. */
export interface AgentStore {
  /** Creates an agent with its first credentials in one transaction. Throws `ConflictError` on a duplicate id. */
  createAgent(agent: NewAgent, credentials: CredentialRecord[], now: number): Promise<AgentRecord>;
  getAgent(id: string): Promise<AgentRecord | undefined>;
  /** The agent's status and `revokedBefore` only: what every presented token's check reads. */
  getAgentStanding(id: string): Promise<AgentStanding | undefined>;
  /** Ordered by id. */
  listAgents(filter: AgentFilter, page: PageRequest): Promise<Page<AgentRecord>>;
  /** Returns the updated record, or undefined if there is no such agent. */
  updateAgent(id: string, patch: AgentPatch, now: number): Promise<AgentRecord | undefined>;
  /**
   * Sets the status. Leaving `active` also sets `revokedBefore = now`, so every token the agent
   * holds becomes inactive at once. Returns undefined if there is no such agent.
   */
  setAgentStatus(id: string, status: AgentStatus, now: number): Promise<AgentRecord | undefined>;
  /** Deletes the agent and its credentials. Returns false if there was none. */
  deleteAgent(id: string): Promise<boolean>;
  /** Records last-seen times in one write (called from the group commit, batched). */
  touchAgents(lastSeen: ReadonlyMap<string, number>): Promise<void>;

  listCredentials(agentId: string): Promise<CredentialRecord[]>;
  addCredential(credential: CredentialRecord): Promise<void>;
  /** Returns false if the agent has no such credential. */
  removeCredential(agentId: string, credentialId: string): Promise<boolean>;
  /**
   * A monotonically increasing number bumped by every change to any agent or credential. Caches
   * poll it (one cheap read) to learn that they must reload, across processes and nodes.
   */
  agentsChangeCounter(): Promise<number>;
}

/** Signing keys, coordinated through the database so every node agrees (DESIGN.md §5). */
export interface SigningKeyStore {
  /** Every key not yet expired at `now`, any state. */
  listSigningKeys(now: number): Promise<SigningKeyRecord[]>;
  /**
   * Runs `plan` under an exclusive lock on the key set (SELECT ... FOR UPDATE on PostgreSQL, a write
   * transaction on SQLite): it sees the current keys and returns the inserts and state changes to
   * apply, so two nodes rotating at once cannot both win.
   */
  mutateSigningKeys(
    now: number,
    plan: (current: SigningKeyRecord[]) => { insert: SigningKeyRecord[]; update: SigningKeyRecord[]; remove: string[] },
  ): Promise<SigningKeyRecord[]>;
}

/** What the store knows of one `jti`: its issued-token record (if kept) and whether it is revoked. */
export interface TokenState {
  issued: IssuedTokenRecord | undefined;
  revoked: boolean;
  /** The standing of the agent the record names (`issued.agentId`), read with it; undefined without a record or once the agent is deleted. */
  agent: AgentStanding | undefined;
}

/** Issued and revoked tokens. */
export interface TokenStore {
  getIssuedToken(jti: string): Promise<IssuedTokenRecord | undefined>;
  /** `getIssuedToken`, `isTokenRevoked` and the record's agent at once: one query when the token was issued here. */
  getTokenState(jti: string): Promise<TokenState>;
  /** Idempotent. Returns false if it was already revoked. */
  revokeToken(record: RevokedTokenRecord): Promise<boolean>;
  isTokenRevoked(jti: string): Promise<boolean>;
  /** Revocations at or after `since` (ms), for caches and fan-out. */
  listRevokedTokensSince(since: number): Promise<RevokedTokenRecord[]>;
  /**
   * The issued-token records naming `agentId` as their subject or as the client that obtained
   * them, not expired at `now` (ms), oldest first (by issuance, then `jti`); revoked ones included.
   */
  listAgentTokens(agentId: string, now: number, page: PageRequest): Promise<Page<IssuedTokenRecord>>;
  /** Deletes issued, revoked and replay records that expired before `now`. */
  pruneExpired(now: number): Promise<number>;
  /**
   * Records replay claims outside a group commit, each pair once (an existing pair stays): a
   * process that is the authority on DPoP proofs hands its live ones over at shutdown.
   */
  keepReplayClaims(claims: readonly ReplayClaim[]): Promise<void>;
  /** The replay claims whose key starts with `prefix` and that expire after `now`, by expiry. */
  liveReplayClaims(prefix: string, now: number): Promise<ReplayClaim[]>;
}

export interface AuditFilter {
  agentId?: string;
  event?: string;
  outcome?: AuditOutcome;
  /** Inclusive, ms. */
  from?: number;
  /** Exclusive, ms. */
  to?: number;
}

export interface AuditStore {
  /** Ordered by seq ascending. The cursor is the last seq seen. */
  queryAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  /** Every record from `fromSeq` (inclusive) in order, in chunks, for verification and export. */
  readAuditRange(fromSeq: number, limit: number): Promise<AuditRecord[]>;
}

/**
 * A single-use claim: a credential (client assertion, DPoP proof, federated JWT) that must never be
 * accepted twice. The store records the pair `(expiresAt, key)` and refuses it a second time
 * (migration 0011: keyed by expiry first, a batch's claims land on a few neighbouring pages).
 *
 * So `expiresAt` MUST be a function of the signed credential alone (its `exp`, or its `iat` plus a
 * fixed window), never of the time it was presented: the same credential presented again must name
 * the same pair, in any process, on any node, after any restart.
 */
export interface ReplayClaim {
  /** Namespaced key, e.g. `assertion:<client_id>:<jti>`. */
  key: string;
  /** When the claim may be forgotten, ms: derived from the credential only (see above). */
  expiresAt: number;
}

/**
 * One request's durable writes, committed atomically with others in a group commit.
 * If any claim was already used, nothing of `onSuccess` is written and `onReplay` is, instead.
 */
export interface CommitUnit {
  claims: ReplayClaim[];
  audit: AuditInput[];
  issuedTokens: IssuedTokenRecord[];
  /** Audit records written instead of `audit` when a claim turns out to be replayed. */
  onReplay: AuditInput[];
}

export type CommitResult =
  | { ok: true; firstSeq: number }
  /** `replayedKeys`: the unit's claim keys that were already used (so a caller can say which credential was replayed). */
  | { ok: false; reason: 'replayed'; replayedKeys?: string[] };

/**
 * The group-commit write path (DESIGN.md §4): many requests' units in one transaction. Audit
 * records get consecutive `seq` numbers and are hash-chained to the stored chain head under a
 * lock, so concurrent writers (processes, nodes) never fork the chain.
 */
export interface CommitStore {
  commitUnits(units: CommitUnit[], hashRecord: (prevHash: string, record: Omit<AuditRecord, 'hash' | 'prevHash'>) => string): Promise<CommitResult[]>;
}

/**
 * Server-wide settings shared by every node (e.g. the SHA-256 of the generated bootstrap token).
 * Values are short non-secret strings.
 */
export interface SettingsStore {
  getSetting(name: string): Promise<string | undefined>;
  /** One atomic conditional insert; returns false when the setting already had a value. */
  insertSettingIfAbsent(name: string, value: string): Promise<boolean>;
}

/** Every store, over one database. */
export interface Store extends AgentStore, SigningKeyStore, TokenStore, AuditStore, CommitStore, SettingsStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Cheap liveness probe for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a store when a unique key already exists. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}
