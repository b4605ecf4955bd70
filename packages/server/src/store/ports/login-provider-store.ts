import type { AuditInput } from '../records.js';
import type { UserRole } from './user-store.js';

/** All times are milliseconds since the epoch. */

/** Which ID token claims say who the person is (docs/people.md, "Sign-in with your identity provider"). */
export interface ClaimMapping {
  /** The claim holding the email (default `email`). */
  email: string;
  /** The claim holding the display name (default `name`). */
  name: string;
  /** The claim holding the groups, an array of strings; null: the upstream's groups are not read. */
  groups: string | null;
}

/** An upstream OpenID Connect provider people sign in through. */
export interface LoginProviderRecord {
  /** The operator's name for it, also its path: `/login/oidc/{id}`. */
  id: string;
  displayName: string;
  /** The OP's issuer identifier (OIDC Discovery 1.0 §4.3: exactly the metadata's `issuer`). */
  issuer: string;
  clientId: string;
  /** The client secret, sealed under the master key (AES-256-GCM, the provider id as associated data). */
  clientSecret: string;
  /** Requested scopes; always includes `openid`. */
  scopes: string[];
  claims: ClaimMapping;
  /** Upstream group value -> our roles granted to members. */
  groupRoles: Record<string, UserRole[]>;
  /** Email domains allowed to sign in (lower case); empty: any. */
  allowedDomains: string[];
  /** Whether an unknown person is created at first sign-in (just in time); otherwise they must exist. */
  justInTime: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Fields `updateLoginProvider` may change. */
export type LoginProviderPatch = Partial<Omit<LoginProviderRecord, 'id' | 'createdAt' | 'updatedAt'>>;

/** A sign-in that went to an upstream and has not come back yet. */
export interface LoginRequestRecord {
  /** base64url SHA-256 of the `state` sent upstream. */
  stateHash: string;
  providerId: string;
  /** The PKCE verifier and the nonce, sealed under the master key with the state hash as associated data. */
  sealed: string;
  /** Where to go once signed in (already a safe relative path). */
  returnTo: string;
  expiresAt: number;
}

/** Upstream providers and their pending sign-ins (docs/people.md). */
export interface LoginProviderStore {
  /** Throws `ConflictError` when the id is taken. */
  createLoginProvider(record: LoginProviderRecord, audit: readonly AuditInput[]): Promise<void>;
  getLoginProvider(id: string): Promise<LoginProviderRecord | undefined>;
  /** Ordered by id. */
  listLoginProviders(): Promise<LoginProviderRecord[]>;
  /** Undefined when there is no such provider. */
  updateLoginProvider(id: string, patch: LoginProviderPatch, now: number, audit: (updated: LoginProviderRecord) => readonly AuditInput[]): Promise<LoginProviderRecord | undefined>;
  /** Deletes the provider and its pending sign-ins; false when there was none. */
  deleteLoginProvider(id: string, audit: readonly AuditInput[]): Promise<boolean>;

  /** Stores a pending sign-in. */
  saveLoginRequest(record: LoginRequestRecord): Promise<void>;
  /**
   * Takes the pending sign-in `stateHash` names, once: one conditional delete that returns the row
   * only if it existed and had not expired at `now`. A second claim of the same state gets nothing.
   */
  claimLoginRequest(stateHash: string, now: number): Promise<LoginRequestRecord | undefined>;
  /** Deletes expired pending sign-ins; returns how many. */
  pruneLoginRequests(now: number): Promise<number>;
}
