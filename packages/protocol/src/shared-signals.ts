/**
 * Wire constants and types of the OpenID Shared Signals Framework 1.0 (SSF), CAEP 1.0 event types,
 * RFC 8417 Security Event Tokens, RFC 9493 subject identifiers, and the RFC 8935 (push) / RFC 8936
 * (poll) delivery methods. The server transmits these; the resource-server SDK receives them.
 */

/** SSF 1.0 §7.2: the transmitter configuration document's well-known path. */
export const SSF_CONFIGURATION_PATH = '/.well-known/ssf-configuration';

/** SSF 1.0 §7.1 `spec_version` of the final specification. */
export const SSF_SPEC_VERSION = '1_0';

/** RFC 8417 §2.3 JOSE header `typ` of a Security Event Token. */
export const SECEVENT_TYP = 'secevent+jwt';

/** RFC 8417 §7.2 media type of a SET, the body of an RFC 8935 push request. */
export const SECEVENT_MEDIA_TYPE = 'application/secevent+jwt';

/** SSF 1.0 §6.1.1: push delivery (RFC 8935). */
export const DELIVERY_METHOD_PUSH = 'urn:ietf:rfc:8935';
/** SSF 1.0 §6.1.2: poll delivery (RFC 8936). */
export const DELIVERY_METHOD_POLL = 'urn:ietf:rfc:8936';

/** CAEP 1.0 §3.1 Session Revoked. */
export const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** CAEP 1.0 §3.3 Credential Change. */
export const CAEP_CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
/** CAEP 1.0 §3.8 Risk Level Change. */
export const CAEP_RISK_LEVEL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';
/** SSF 1.0 §8.1.4.1 Verification event. */
export const SSF_VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** SSF 1.0 §8.1.5 Stream Updated event. */
export const SSF_STREAM_UPDATED = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';

/** SSF 1.0 §8.1.2 stream status values. */
export const STREAM_STATUSES = ['enabled', 'paused', 'disabled'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

/** RFC 9493 §3.2.5 JWT ID subject: a token, by its issuer and `jti`. */
export interface JwtIdSubject {
  format: 'jwt_id';
  iss: string;
  jti: string;
}

/** RFC 9493 §3.2.4 Issuer and Subject: for us, an agent (`sub` = the agent id). */
export interface IssSubSubject {
  format: 'iss_sub';
  iss: string;
  sub: string;
}

/** RFC 9493 §3.2.4 Opaque: SSF 1.0 names a stream this way in verification and stream-updated events. */
export interface OpaqueSubject {
  format: 'opaque';
  id: string;
}

/** The subject identifiers (RFC 9493) our SETs carry in `sub_id`. */
export type SubjectIdentifier = JwtIdSubject | IssSubSubject | OpaqueSubject;

/**
 * The claims of a SET we issue (RFC 8417 §2.2, SSF 1.0 §4.1): exactly one event in `events`, the
 * subject in `sub_id`, never `sub`, never `exp`.
 */
export interface SecurityEventTokenClaims {
  iss: string;
  iat: number;
  jti: string;
  aud: string | string[];
  sub_id: SubjectIdentifier;
  /** RFC 8417 §2.2 transaction identifier: the same on every SET made from one occurrence (one per stream). */
  txn?: string;
  events: Record<string, Record<string, unknown>>;
}

/**
 * CAEP 1.0 §3.3.1 `credential_type` values we send. `password` is an agent's client secret, `x509`
 * a certificate from the built-in CA, and, mutually agreed as CAEP allows, `jwk` a registered
 * public key for `private_key_jwt` and `api-key` a managed or imported API key in its cut-over.
 */
export type CaepCredentialType = 'password' | 'x509' | 'jwk' | 'api-key';

/** RFC 8936 §2.1 poll request body. */
export interface PollRequest {
  maxEvents?: number;
  returnImmediately?: boolean;
  ack?: string[];
  setErrs?: Record<string, { err: string; description: string }>;
}

/** RFC 8936 §2.2 poll response body. */
export interface PollResponse {
  sets: Record<string, string>;
  moreAvailable?: boolean;
}

/** SSF 1.0 §7.1 transmitter configuration metadata, as far as we advertise it. */
export interface TransmitterConfiguration {
  spec_version: string;
  issuer: string;
  jwks_uri: string;
  delivery_methods_supported: string[];
  configuration_endpoint: string;
  status_endpoint: string;
  verification_endpoint: string;
  authorization_schemes: { spec_urn: string }[];
  default_subjects: 'ALL' | 'NONE';
  [extension: string]: unknown;
}
