/**
 * @agentauth/resource-server: verify agentauth access tokens in any service (RFC 9068, RFC 9449
 * DPoP, RFC 8705 certificate binding, CAEP revocation signals, RFC 7662 introspection, RFC 9728
 * metadata). This entry point is the framework-free core, on Web APIs alone (`crypto.subtle`,
 * `fetch`), so it runs on Deno, Bun and workers; the framework adapters live at
 * `@agentauth/resource-server/{fastify,express,hono,fetch}`, and what needs Node.js at `/node`.
 */
export { AccessTokenError, type AccessTokenErrorCode } from './errors.js';
// The claim rules alone: for the authorization server, which verifies its own tokens' signatures itself.
export { checkAccessTokenClaims, type AccessTokenClaimRules } from './access-token-claims.js';
export {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_LENGTH,
  verifyAccessToken,
  type AccessTokenKeyResolver,
  type AccessTokenVerificationKey,
  type PresentedBinding,
  type TokenBinding,
  type VerifiedAccessToken,
  type VerifiedAccessTokenClaims,
  type VerifyAccessTokenOptions,
} from './verify-access-token.js';
export {
  createResourceServer,
  type RequestInput,
  type ResourceServer,
  type ResourceServerOptions,
  type VerifyOptions,
} from './resource-server.js';
export { VerificationError, type AuthScheme, type ClientErrorCode, type VerificationErrorCode, type VerificationErrorDetails } from './verification-error.js';
export type { ChallengeContext, ErrorResponse } from './error-response.js';
export { actorChain, MAX_ACTOR_DEPTH, type Actor, type Principal } from './principal.js';
export { maxDelegationDepth, requireDirect, requireScopes, type PrincipalCheck } from './principal-checks.js';
export { authorizationDetailFor, requireAuthorizationDetails, type DetailRequirement, type DetailValue, type RequireDetailsOptions } from './authorization-details.js';
export type { AuthorizationDetail } from '@agentauth/protocol';
export { DEFAULT_DECISION_CACHE_TTL_MS, type AuthorizationOptions, type AuthorizationSubject } from './authorization-client.js';
export type { RouteAuthorization } from './route-authorization.js';
export type { AccessEvaluationRequest, AuthZenAction, AuthZenResource, AuthZenSubject } from '@agentauth/protocol';
export type { ProtectedResourceMetadata } from './protected-resource-metadata.js';
export { PROTECTED_RESOURCE_METADATA_PATH, protectedResourceMetadataUrl } from '@agentauth/protocol';
export { certificateThumbprint, type PeerCertificate } from './certificate-thumbprint.js';
export type { RequestHeaders } from './request-credentials.js';
export { IssuerKeys, type IssuerKeysOptions } from './issuer-keys.js';
export { DEFAULT_INTROSPECTION_CACHE_MS, type IntrospectionOptions } from './introspection-client.js';
export type { ApiKeyAcceptanceOptions } from './api-key-acceptance.js';
export type { LegacyKeyAcceptanceOptions } from './legacy-key-acceptance.js';
export type { MigrationWindow } from './migration-window.js';
export type { ServiceCredentials } from './service-credentials.js';
export {
  DEFAULT_REVOCATION_MAX_ENTRIES,
  DEFAULT_REVOCATION_RETENTION_MS,
  RevocationState,
  type RevocableToken,
  type RevocationSnapshot,
  type RevocationSource,
} from './revocation-state.js';
// The record behind single-use checks (proof jtis here; assertions and proofs at the authorization server).
export { ExpiringKeys } from './expiring-keys.js';
// What `start()` rejects with when the authorization server refuses or answers badly; `SetError` is what `onError` hears of a refused SET.
export { FetchJsonError } from './lib/fetch-json.js';
export { SetError, type SetErrorCode } from './security-event.js';
export { createSignalsFeed, type FeedPersistence, type FeedState, type SignalsFeed, type SignalsFeedOptions } from './signals-feed.js';
export { withAgentAuth, protectedResourceMetadataResponse, toWebResponse, type FetchAdapterOptions, type OnRefused } from './adapters/fetch.js';
// The one DPoP proof verifier (RFC 9449 §4.3), shared with the authorization server.
export { DPOP_ALGORITHMS, type DpopAlgorithm } from './dpop/dpop-key.js';
export { DpopProofError, type DpopProofErrorCode } from './dpop/dpop-proof-error.js';
export {
  DEFAULT_DPOP_ALGORITHMS,
  DEFAULT_DPOP_FUTURE_SKEW_SECONDS,
  DEFAULT_DPOP_MAX_AGE_SECONDS,
  DEFAULT_DPOP_MAX_LENGTH,
  dpopAccessTokenHash,
  verifyDpopProof,
  type DpopNonceCheck,
  type VerifiedDpopProof,
  type VerifyDpopProofOptions,
} from './dpop/verify-dpop-proof.js';
