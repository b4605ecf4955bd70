import type { AuditInput } from '../records.js';

/** All times are milliseconds since the epoch. */

/** A person's WebAuthn credential (docs/people.md, "Passkeys"). Nothing here is a secret. */
export interface PasskeyRecord {
  /** The credential id (W3C WebAuthn Level 2 §4), base64url; unique across all people. */
  credentialId: string;
  userId: string;
  /** The credential's COSE_Key (RFC 9052 §7), base64url. */
  publicKey: string;
  /** The signature counter last accepted (§6.1.1); 0 for authenticators that keep none. */
  counter: number;
  /** What the authenticator said it is reachable by (§5.8.4: `internal`, `hybrid`, `usb`, ...). */
  transports: string[];
  /** The owner's name for it. */
  name: string;
  /** The backup state flag (BS, §6.1) at registration: a synced passkey. */
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

/** `register` (a signed-in person adds a passkey) or `sign_in`. */
export type WebAuthnPurpose = 'register' | 'sign_in';

/** A ceremony's challenge (§13.4.3), kept server-side until it is used or expires. */
export interface WebAuthnChallengeRecord {
  /** base64url SHA-256 of the challenge as sent (base64url). */
  challengeHash: string;
  purpose: WebAuthnPurpose;
  /** base64url SHA-256 of what the challenge is bound to: the session id, or the sign-in form's cookie. */
  bindingHash: string;
  /** The person registering; null for a sign-in (usernameless: nobody is known yet). */
  userId: string | null;
  expiresAt: number;
}

/** People's passkeys and their ceremonies' challenges. Every change appends its audit records in its own transaction. */
export interface PasskeyStore {
  /** Stores a passkey; throws `ConflictError` when the credential id is registered already (to anyone). */
  createPasskey(record: PasskeyRecord, audit: readonly AuditInput[]): Promise<void>;
  getPasskey(credentialId: string): Promise<PasskeyRecord | undefined>;
  /** A person's passkeys, oldest first. */
  listPasskeys(userId: string): Promise<PasskeyRecord[]>;
  /** Deletes the passkey only if it is `userId`'s; false when it was not (or there was none). */
  deletePasskey(userId: string, credentialId: string, audit: readonly AuditInput[]): Promise<boolean>;
  /**
   * Records a sign-in with the passkey: one conditional write that moves the counter from
   * `expectedCounter` to `counter` and sets `lastUsedAt`; false when the stored counter was no
   * longer `expectedCounter` (another sign-in with it raced this one), and nothing changes.
   */
  recordPasskeyUse(credentialId: string, expectedCounter: number, counter: number, now: number): Promise<boolean>;

  /** Stores a challenge. */
  saveWebAuthnChallenge(record: WebAuthnChallengeRecord): Promise<void>;
  /**
   * Takes the challenge, once: one conditional delete that returns it only if it existed, was
   * made for `purpose` and had not expired at `now`. A second claim gets nothing.
   */
  claimWebAuthnChallenge(challengeHash: string, purpose: WebAuthnPurpose, now: number): Promise<WebAuthnChallengeRecord | undefined>;
  /** Deletes expired challenges; returns how many. */
  pruneWebAuthnChallenges(now: number): Promise<number>;
}
