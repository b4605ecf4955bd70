import type { AuditInput, IssuedTokenRecord } from '../records.js';
import type { UserStatus } from './user-store.js';

/** All times are milliseconds since the epoch. */

/**
 * "Agent A acts for person U" (docs/people.md, "Agents acting for you"): the record the first
 * RFC 8693 exchange of one of U's tokens by A creates, which U lists and revokes. The scopes and
 * resources are every one A obtained for U so far; `grantId` and `clientId` name the authorization
 * (RFC 6749 §4.1) the last exchange came through.
 */
export interface DelegationRecord {
  userId: string;
  agentId: string;
  /** The authorization the last exchange's subject token came from (`agr_...`). */
  grantId: string;
  /** The public client that authorization was given to (`pub_...`). */
  clientId: string;
  /** Every scope the agent obtained for the person, sorted. */
  scopes: string[];
  /** Every resource (`aud`) the agent obtained tokens for, sorted. */
  resources: string[];
  firstUsedAt: number;
  lastUsedAt: number;
  /** When the person revoked it; null while it stands (and again once the person authorizes anew). */
  revokedAt: number | null;
  /** Tokens exchanged for the pair before this moment are inactive, even once the pair stands again; null when never revoked. */
  revokedBefore: number | null;
}

/** What a delegation is, for the checks of a token's chain: whether it stands, and since when tokens of it count. */
export type DelegationStanding = Pick<DelegationRecord, 'userId' | 'agentId' | 'revokedAt' | 'revokedBefore'>;

/** One successful exchange for a person, as `recordDelegationUse` takes it. */
export interface DelegationUse {
  userId: string;
  agentId: string;
  grantId: string;
  clientId: string;
  /** When the authorization was given: a pair revoked before it stands again (the person authorized anew). */
  grantCreatedAt: number;
  scopes: readonly string[];
  resources: readonly string[];
  at: number;
}

/** What `recordDelegationUse` did. */
export type DelegationUseResult =
  /** The pair did not exist: created, with the `created` records appended. */
  | { kind: 'created'; record: DelegationRecord }
  /** The pair was revoked before the authorization was given: it stands again (`resumed` records appended). */
  | { kind: 'resumed'; record: DelegationRecord }
  | { kind: 'used'; record: DelegationRecord }
  /** The pair is revoked and the authorization is no newer: nothing changed. */
  | { kind: 'revoked' };

/** What a person's token stands on, read at once for the checks of its chain. */
export interface PersonTokenStanding {
  /** The person's status; undefined once deleted. */
  userStatus: UserStatus | undefined;
  /** The authorization the chain's root token came from; undefined when there is none (deleted with the person). */
  grant: { id: string; userId: string; clientId: string; revokedAt: number | null; createdAt: number } | undefined;
  /** The person's delegations to the agents asked about (absent ones are missing). */
  delegations: DelegationStanding[];
}

/**
 * Agents acting for people (RFC 8693 exchange of a person's token). Every change appends its audit
 * records in its own transaction, only when the change happens.
 */
export interface DelegationStore {
  /**
   * Records one exchange for (`use.userId`, `use.agentId`) in one conditional write: creates the
   * pair, or moves `lastUsedAt` and adds the scopes and resources; a revoked pair stands again only
   * when `use.grantCreatedAt` is later than its revocation, else nothing changes (`revoked`).
   * `audit(kind)` gives the records of a creation or a resumption, appended in the same transaction.
   */
  recordDelegationUse(use: DelegationUse, audit: (kind: 'created' | 'resumed') => readonly AuditInput[]): Promise<DelegationUseResult>;
  getDelegation(userId: string, agentId: string): Promise<DelegationRecord | undefined>;
  /** A person's delegations, by agent id, at most `limit`. */
  listDelegations(userId: string, limit: number): Promise<DelegationRecord[]>;
  /**
   * Revokes the pair in one conditional write (only a standing pair): `revokedAt` and `revokedBefore`
   * become `now`, and `audit` is appended in the same transaction. False when there was no standing pair.
   */
  revokeDelegation(userId: string, agentId: string, now: number, audit: readonly AuditInput[]): Promise<boolean>;
  /**
   * The tokens `agentId` obtained by exchange for `userId` (`sub` the person, the agent the client)
   * that have not expired at `now`, revoked ones included, at most `limit`.
   */
  listDelegatedTokens(userId: string, agentId: string, now: number, limit: number): Promise<IssuedTokenRecord[]>;
  /** The person's status, the authorization `grantId` and the person's delegations to `agentIds`, at once. */
  getPersonTokenStanding(userId: string, grantId: string | null, agentIds: readonly string[]): Promise<PersonTokenStanding>;
}
