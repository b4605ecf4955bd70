import type { CibaDeliveryMode, ClientAuthMethod, GrantType, SigningAlg } from '@agentauth/protocol';
import type { JWK } from 'jose';
import type { AuditEvent } from '../events/audit-events.js';
import type { KeySlot } from '../key-slot.js';

/** All times in records are milliseconds since the epoch. */
export type AgentStatus = 'active' | 'suspended' | 'disabled';

/** One agent: an OAuth client whose `client_id` is its id. */
export interface AgentRecord {
  id: string;
  name: string;
  /** The accountable person or team. */
  owner: string;
  description: string;
  status: AgentStatus;
  /** Allowed scopes (RFC 6749 §3.3 scope-tokens). */
  scopes: string[];
  /** Allowed audiences (absolute URIs), RFC 8707 `resource` values. */
  resources: string[];
  grantTypes: GrantType[];
  tokenEndpointAuthMethod: ClientAuthMethod;
  /** Access token lifetime in seconds; null means the server default. */
  accessTokenTtl: number | null;
  labels: Record<string, string>;
  /** RFC 7591 `jwks_uri`, when the agent publishes its keys instead of registering them. */
  jwksUri: string | null;
  /**
   * Tokens issued before this instant (ms) are inactive. Suspending, disabling or deleting an agent
   * sets it, so every token the agent holds dies at once (ARCHITECTURE.md, The request that matters).
   */
  revokedBefore: number | null;
  /** SHA-256 (base64url) of the RFC 7592 registration access token, if registered dynamically. */
  registrationAccessTokenHash: string | null;
  /** RFC 8705 §2.1.2: for `tls_client_auth`, exactly one of the three subject fields is set. */
  tlsClientAuthSanUri?: string | null;
  tlsClientAuthSanDns?: string | null;
  /** RFC 4514 string of the expected certificate subject. */
  tlsClientAuthSubjectDn?: string | null;
  /** RFC 8705 §3.4: this client only ever gets certificate-bound access tokens. */
  tlsClientCertificateBoundAccessTokens?: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof (absent: false). */
  dpopBoundAccessTokens?: boolean;
  /** CIBA Core 1.0 §4 `backchannel_token_delivery_mode` (absent: the agent does not use CIBA's ping). */
  backchannelTokenDeliveryMode?: CibaDeliveryMode | null;
  /** CIBA Core 1.0 §4 `backchannel_client_notification_endpoint`: https, where ping callbacks go. */
  backchannelClientNotificationEndpoint?: string | null;
  /**
   * RFC 6749 §3.1.2 redirect URIs (absent: none). An agent with any is a confidential client of
   * the authorization code flow (docs/oauth.md, "Agents as clients of the authorization code flow").
   */
  redirectUris?: string[];
  createdAt: number;
  updatedAt: number;
  lastSeenAt: number | null;
  /** Optimistic concurrency: incremented on every update. */
  version: number;
}

/**
 * What deciding whether an agent's tokens are still active needs of it (introspection, token
 * exchange, lineage): read on every presented token, so only these columns, never the whole record.
 */
export type AgentStanding = Pick<AgentRecord, 'id' | 'status' | 'revokedBefore'>;

/** The fields a caller may set when creating an agent. */
export type NewAgent = Omit<AgentRecord, 'createdAt' | 'updatedAt' | 'lastSeenAt' | 'version' | 'revokedBefore'>;

/** The agent fields that `updateAgent` may change, in the order they are compared and audited. */
export const AGENT_PATCH_FIELDS = [
  'name',
  'owner',
  'description',
  'scopes',
  'resources',
  'grantTypes',
  'tokenEndpointAuthMethod',
  'accessTokenTtl',
  'labels',
  'jwksUri',
  'registrationAccessTokenHash',
  'tlsClientAuthSanUri',
  'tlsClientAuthSanDns',
  'tlsClientAuthSubjectDn',
  'tlsClientCertificateBoundAccessTokens',
  'dpopBoundAccessTokens',
  'backchannelTokenDeliveryMode',
  'backchannelClientNotificationEndpoint',
  'redirectUris',
] as const satisfies readonly (keyof AgentRecord)[];

/** Fields that `updateAgent` may change: the one list the service and the store both read. */
export type AgentPatch = Partial<Pick<AgentRecord, (typeof AGENT_PATCH_FIELDS)[number]>>;

/** A credential an agent authenticates with. Several may be live at once, for rotation. */
export type CredentialRecord =
  | {
      id: string;
      agentId: string;
      kind: 'jwk';
      /** Public JWK only; private members are refused at the API boundary. */
      jwk: JWK;
      /** The JWK's `kid`, or its RFC 7638 thumbprint when it had none. */
      kid: string;
      createdAt: number;
      expiresAt: number | null;
    }
  | {
      id: string;
      agentId: string;
      kind: 'secret';
      /** SHA-256 of the secret, base64url. The secret itself is shown once and never stored. */
      secretHash: string;
      createdAt: number;
      expiresAt: number | null;
    };

/** A token signing key, in its rotation slot ({@link KeySlot}). */
export interface SigningKeyRecord {
  kid: string;
  alg: SigningAlg;
  state: KeySlot;
  publicJwk: JWK;
  /** AES-256-GCM under the master key: base64url(iv || ciphertext || tag) of the PKCS#8 DER. */
  encryptedPrivateKey: string;
  createdAt: number;
  /** When it became (or becomes) the signer. */
  activatedAt: number | null;
  /** When it was retired (moved to `old`). */
  retiredAt: number | null;
  /** After this instant the key is dropped from the JWKS and may be deleted. */
  expiresAt: number | null;
}

/** An access token we issued; the JWT itself is never stored. */
export interface IssuedTokenRecord {
  jti: string;
  agentId: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  /** The `jti` this token was exchanged from (RFC 8693 lineage), if any. */
  parentJti: string | null;
  /**
   * Keyed digest (HMAC-SHA256 under a key derived from the master key, base64url;
   * `tokens/token-digest.ts`) of the compact token as issued: a token presented back is ours byte
   * for byte when its digest matches. Null for tokens issued before it was kept.
   */
  tokenDigest: string | null;
}

/** A revoked token (RFC 7009). Kept until the token would have expired. */
export interface RevokedTokenRecord {
  jti: string;
  agentId: string;
  revokedAt: number;
  expiresAt: number;
}

export type AuditOutcome = 'success' | 'failure';

/** What a caller hands to the audit log; sequence and hashes are assigned at commit. */
export interface AuditInput {
  time: number;
  /** `<noun>.<past_verb>`, one of AUDIT_EVENTS (docs/events.md). */
  event: AuditEvent;
  outcome: AuditOutcome;
  /** The agent the event is about, if any. */
  agentId: string | null;
  /** Who acted: `agent:<id>`, `admin:bootstrap`, `admin:<agent id>`, `user:<user id>` (a signed-in person), or `system`. */
  actor: string | null;
  sourceIp: string | null;
  /** Machine-readable reason (for failures: the private error detail). Never a secret. */
  reason: string | null;
  requestId: string | null;
  /** Further non-secret facts (scopes, audience, jti, ...). */
  details: Record<string, unknown>;
}

/** A committed audit record: hash-chained to its predecessor. */
export interface AuditRecord extends AuditInput {
  seq: number;
  /** base64url SHA-256 of the previous record's hash and this record's canonical form. */
  prevHash: string;
  hash: string;
}
