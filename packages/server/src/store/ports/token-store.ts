import type { AgentStanding, AuditInput, IssuedTokenRecord, RevokedTokenRecord } from '../records.js';
import type { Page, PageRequest } from './page.js';

/** What the store knows of one `jti`: its issued-token record (if kept) and whether it is revoked. */
export interface TokenState {
  issued: IssuedTokenRecord | undefined;
  revoked: boolean;
  /** The standing of the agent the record names (`issued.agentId`), read with it; undefined without a record or once the agent is deleted. */
  agent: AgentStanding | undefined;
}

/** Issued and revoked tokens. Issued-token records are written by the commit log (`CommitStore`) only. */
export interface TokenStore {
  getIssuedToken(jti: string): Promise<IssuedTokenRecord | undefined>;
  /** `getIssuedToken`, `isTokenRevoked` and the record's agent at once: one query when the token was issued here. */
  getTokenState(jti: string): Promise<TokenState>;
  /**
   * Idempotent. Returns false if it was already revoked. `audit(fresh)` gives the revocation's
   * audit records, appended in the same transaction (both commit, or neither).
   */
  revokeToken(record: RevokedTokenRecord, audit?: (fresh: boolean) => readonly AuditInput[]): Promise<boolean>;
  isTokenRevoked(jti: string): Promise<boolean>;
  /** Revocations at or after `since` (ms), for caches and fan-out. */
  listRevokedTokensSince(since: number): Promise<RevokedTokenRecord[]>;
  /**
   * The issued-token records naming `agentId` as their subject or as the client that obtained
   * them, not expired at `now` (ms), oldest first (by issuance, then `jti`); revoked ones included.
   */
  listAgentTokens(agentId: string, now: number, page: PageRequest): Promise<Page<IssuedTokenRecord>>;
  /**
   * Deletes issued tokens, revocations and replay claims that expired before `now`, and signing
   * keys past their `expiresAt`; returns how many rows went.
   */
  pruneExpired(now: number): Promise<number>;
}
