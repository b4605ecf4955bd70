import type { AuditInput } from '../records.js';

/** All times are milliseconds since the epoch. */

/** Shape of a person's id, `usr_...` (loose on length, so ids from a test Random fit); no agent or client id has it. */
export const USER_ID_PATTERN = /^usr_[A-Za-z0-9_-]{1,64}$/;

/** Whether a token's `sub` names a person rather than an agent (docs/people.md). */
export function isPersonId(id: string): boolean {
  return USER_ID_PATTERN.test(id);
}

/** A person's roles on the admin API (docs/people.md, "Roles"). */
export const USER_ROLES = ['admin', 'operator', 'auditor'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A person's standing: only `active` people sign in; `suspended` (for a while) and `disabled` (for good, someone who left) both end their sessions, and an admin may resume either. */
export const USER_STATUSES = ['active', 'suspended', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** A person in the registry (docs/people.md). Secrets are only ever held in the forms below. */
export interface UserRecord {
  /** `usr_...` */
  id: string;
  /** Normalised (NFC, trimmed, lower case); unique. */
  email: string;
  name: string;
  groups: string[];
  roles: UserRole[];
  status: UserStatus;
  /** PHC string of the argon2id hash; null when the person has no local password. */
  passwordHash: string | null;
  /** The TOTP secret, sealed under the master key (AES-256-GCM, the user id as associated data); null when not enrolled. */
  totpSecret: string | null;
  /** A secret being enrolled (sealed likewise), confirmed by its first code; null otherwise. */
  totpPending: string | null;
  /** The last RFC 6238 time step a code was accepted for: no code of it or before it is accepted again. */
  totpLastStep: number | null;
  /** Failed sign-ins since the last success or lockout. */
  failedLogins: number;
  /** Sign-in is refused until then; null when not locked. */
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

/** Fields `updateUser` may change. */
export type UserPatch = Partial<Pick<UserRecord, 'email' | 'name' | 'groups' | 'roles' | 'status' | 'passwordHash' | 'totpSecret' | 'totpPending' | 'totpLastStep' | 'failedLogins' | 'lockedUntil'>>;

/** `signed_in`, or `mfa`: the password was right and the second factor is still due. */
export type SessionStage = 'mfa' | 'signed_in';

/** A browser session, stored by the SHA-256 of its id (the id itself is only in the cookie). */
export interface SessionRecord {
  /** base64url SHA-256 of the session id. */
  idHash: string;
  userId: string;
  stage: SessionStage;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute timeout: the session ends then, however active. */
  expiresAt: number;
}

/** What `recordLoginFailure` did. */
export interface LoginFailureResult {
  /** The failure count after this one (0 once it locked the account). */
  failedLogins: number;
  /** Set when this failure locked the account: until when. */
  lockedUntil: number | null;
}

/**
 * People and their browser sessions (docs/people.md). Every change appends its audit records in
 * its own transaction, only when the change happens.
 */
export interface UserStore {
  /** Throws `ConflictError` when the email is taken. */
  createUser(record: UserRecord, audit: readonly AuditInput[]): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** By normalised email. */
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  /** Ordered by id, after `after` when given, at most `limit`. */
  listUsers(page: { limit: number; after?: string }): Promise<UserRecord[]>;
  /**
   * Applies `patch`; with `endSessions`, ends every session of the person in the same transaction.
   * Throws `ConflictError` when the new email is taken; undefined when there is no such person.
   */
  updateUser(id: string, patch: UserPatch, now: number, audit: (updated: UserRecord) => readonly AuditInput[], options?: { endSessions?: boolean }): Promise<UserRecord | undefined>;
  /** Deletes the person and their sessions; false when there was none. */
  deleteUser(id: string, audit: readonly AuditInput[]): Promise<boolean>;
  /**
   * Counts one failed sign-in, atomically: when the count reaches `threshold`, the account is locked
   * until `now + lockMs`, the count starts again, and `audit(result)` (the lockout's records) is
   * appended in the same transaction. Undefined when there is no such person.
   */
  recordLoginFailure(id: string, now: number, threshold: number, lockMs: number, audit: (result: LoginFailureResult) => readonly AuditInput[]): Promise<LoginFailureResult | undefined>;
  /**
   * Accepts an RFC 6238 time step for the person's TOTP, once: one conditional write that succeeds
   * only when no code of this step or a later one was accepted before. False when it was.
   */
  claimTotpStep(id: string, step: number): Promise<boolean>;

  /**
   * Stores a session and appends `audit`; when `replaces` is given, that session is deleted in the
   * same transaction and nothing happens unless it still existed (false): a second-factor stage
   * becomes a signed-in session once. A `signed_in` session also clears the person's failure count
   * and sets `lastLoginAt`.
   */
  createSession(record: SessionRecord, audit: readonly AuditInput[], replaces?: string): Promise<boolean>;
  getSession(idHash: string): Promise<SessionRecord | undefined>;
  /** Moves `lastSeenAt` (the idle timeout's start) forward; never back. */
  touchSession(idHash: string, now: number): Promise<void>;
  /** False when there was none. */
  deleteSession(idHash: string, audit: readonly AuditInput[]): Promise<boolean>;
  /** Deletes sessions whose absolute or idle timeout has passed; returns how many. */
  pruneSessions(now: number, idleMs: number): Promise<number>;
}
