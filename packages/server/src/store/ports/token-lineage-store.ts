import type { AuditInput, IssuedTokenRecord, RevokedTokenRecord } from '../records.js';

/**
 * The lineage of exchanged tokens (RFC 8693): each issued token names the `jti` it was exchanged
 * from (`IssuedTokenRecord.parentJti`). Over the same issued and revoked tokens as `TokenStore`.
 */
export interface TokenLineageStore {
  /** The tokens exchanged directly from any of `parentJtis` (one generation down), at most `limit`. */
  listChildTokens(parentJtis: readonly string[], limit: number): Promise<IssuedTokenRecord[]>;
  /**
   * Tokens that `clientId` obtained by exchange (those naming it as their current actor) and that
   * have not expired at `now` (ms), at most `limit`.
   */
  listTokensExchangedBy(clientId: string, now: number, limit: number): Promise<IssuedTokenRecord[]>;
  /**
   * Revokes every record in one transaction; returns the `jti`s that were not revoked before.
   * `audit(newly)` gives the audit records of those, appended in the same transaction.
   */
  revokeTokens(records: readonly RevokedTokenRecord[], audit?: (newly: readonly string[]) => readonly AuditInput[]): Promise<string[]>;
}
