import type { AuditInput } from '../records.js';

/**
 * A public client (RFC 7591 §2 `token_endpoint_auth_method: none`): it holds no secret, so it is
 * recognised by its exact redirect URIs and proves each code's requester with PKCE (RFC 7636).
 */
export interface PublicClientRecord {
  clientId: string;
  name: string;
  /** Exact redirect URIs (RFC 6749 §3.1.2; OAuth 2.1 §2.3.1). */
  redirectUris: string[];
  /** The scopes it may ask people for (RFC 7591 §2 `scope`). */
  scopes: string[];
  createdAt: number;
}

/**
 * One authorization (RFC 6749 §4.1): the code and the refresh-token family it starts. Codes and
 * refresh tokens are kept by SHA-256 only. Every token issued from it names `grant:<id>` as its
 * parent, so revoking the grant finds them (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
 */
export interface AuthorizationGrantRecord {
  id: string;
  codeHash: string;
  codeExpiresAt: number;
  codeUsedAt: number | null;
  clientId: string;
  userId: string;
  redirectUri: string;
  /** RFC 7636 §4.2 `code_challenge` (S256 only). */
  codeChallenge: string;
  /** RFC 8707 resource the tokens are for. */
  resource: string;
  scopes: string[];
  refreshHash: string | null;
  refreshExpiresAt: number | null;
  /** RFC 9449 §5: the DPoP key (`jkt`) the refresh tokens are bound to, when the code was redeemed with a proof. */
  refreshJkt: string | null;
  revokedAt: number | null;
  createdAt: number;
}

/** A person's remembered consent to a client for a resource and scopes. */
export interface ConsentRecord {
  userId: string;
  clientId: string;
  resource: string;
  scopes: string[];
  grantedAt: number;
}

/** What redeeming a code or rotating a refresh token found. */
export type GrantUseResult = { kind: 'ok'; grant: AuthorizationGrantRecord } | { kind: 'reused'; grant: AuthorizationGrantRecord } | { kind: 'unknown' };

/** Public clients, authorizations and consents. */
export interface AuthorizationStore {
  registerPublicClient(record: PublicClientRecord, audit: readonly AuditInput[]): Promise<void>;
  getPublicClient(clientId: string): Promise<PublicClientRecord | undefined>;
  /**
   * Inserts or refreshes (name, redirect URIs, scopes; never `createdAt`) the row of a client
   * identified by its Client ID Metadata Document, so consents and grants can refer to it. No
   * audit record: the consent or authorization that follows has its own.
   */
  rememberMetadataClient(record: PublicClientRecord): Promise<void>;
  createAuthorizationGrant(record: AuthorizationGrantRecord, audit: readonly AuditInput[]): Promise<void>;
  /**
   * Spends the code `codeHash` names in one conditional write (unused, unexpired, unrevoked at
   * `now`) and starts its refresh family. `reused` when the code was spent before.
   */
  redeemAuthorizationCode(codeHash: string, now: number, refresh: { hash: string; expiresAt: number; jkt: string | null }): Promise<GrantUseResult>;
  /**
   * Replaces the refresh token of grant `grantId` in one conditional write when `presentedHash` is
   * its current one (unexpired, unrevoked). `reused` when the grant is live but the hash is not
   * its current one: an earlier token of the family was presented. The family's DPoP key must be
   * `jkt` (null: none); a token presented without its key is `unknown` and rotates nothing.
   */
  rotateRefreshToken(grantId: string, presentedHash: string, now: number, next: { hash: string; expiresAt: number }, jkt: string | null): Promise<GrantUseResult>;
  /** Revokes grants (idempotent); returns the ids newly revoked, with their audit records in the same transaction. */
  revokeAuthorizationGrants(grantIds: readonly string[], now: number, audit: (newly: readonly string[]) => readonly AuditInput[]): Promise<string[]>;
  /** A person's grants that are not revoked, whatever the client, at most `limit` (for suspending the person). */
  listUnrevokedGrants(userId: string, limit: number): Promise<AuthorizationGrantRecord[]>;
  /** The live grants of a person for a client (for revoking consent). */
  listAuthorizationGrants(userId: string, clientId: string, limit: number): Promise<AuthorizationGrantRecord[]>;
  /** Inserts or replaces the consent of (user, client, resource). */
  saveConsent(record: ConsentRecord, audit: readonly AuditInput[]): Promise<void>;
  getConsent(userId: string, clientId: string, resource: string): Promise<ConsentRecord | undefined>;
  listConsents(userId: string, limit: number): Promise<ConsentRecord[]>;
  /** Deletes the consent; false when there was none. */
  deleteConsent(userId: string, clientId: string, resource: string, audit: readonly AuditInput[]): Promise<boolean>;
}
