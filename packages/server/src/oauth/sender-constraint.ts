import type { ConfirmationClaim } from '@agentauth/protocol';
import type { ReplayClaim } from '../store/ports/replay-claim-store.js';
import type { OAuthError } from './oauth-error.js';
import type { TokenRequestContext } from './grants/grant-handler.js';

/**
 * How an issued token is bound to its holder: RFC 9449 DPoP (`cnf.jkt`, token type `DPoP`) or
 * RFC 8705 certificate binding (`cnf.x5t#S256`). A plain bearer token has neither.
 */
export interface SenderConstraint {
  cnf?: ConfirmationClaim;
  tokenType: 'Bearer' | 'DPoP';
  /** Single-use claims the constraint needs (the DPoP proof's `jti`). */
  replayClaims: ReplayClaim[];
  /** Builds the refusal when one of `replayClaims` turns out to be used already at commit (default `invalid_client`). */
  replayError?: () => OAuthError;
  /** Response headers to add (e.g. a fresh `DPoP-Nonce`). */
  headers: Record<string, string>;
  /** Non-secret facts for the audit record (e.g. the `jkt`). */
  auditDetails: Record<string, unknown>;
}

/**
 * Decides the sender constraint of a token request, or refuses it with an `OAuthError`
 * (`invalid_dpop_proof`, `use_dpop_nonce`, ...). Runs after client authentication.
 */
export type SenderConstraintCheck = (context: TokenRequestContext) => Promise<SenderConstraint>;

export const BEARER: SenderConstraint = Object.freeze({ tokenType: 'Bearer', replayClaims: [], headers: {}, auditDetails: {} }) as SenderConstraint;
