/**
 * @agentauth/resource-server: verify agentauth access tokens in any service (RFC 9068).
 * This entry point is the whole public API.
 */
export { AccessTokenError, type AccessTokenErrorCode } from './errors.js';
export {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_LENGTH,
  verifyAccessToken,
  type AccessTokenKeyResolver,
  type AccessTokenVerificationKey,
  type VerifiedAccessToken,
  type VerifiedAccessTokenClaims,
  type VerifyAccessTokenOptions,
} from './verify-access-token.js';
