import {
  DEFAULT_DPOP_FUTURE_SKEW_SECONDS,
  DEFAULT_DPOP_MAX_AGE_SECONDS,
  DpopProofError,
  type DpopAlgorithm,
  type VerifiedDpopProof,
} from '@agentauth/resource-server';
// The SDK's one verifier with node:crypto signatures: synchronous, so a proof costs /token less.
import { verifyDpopProof } from '@agentauth/resource-server/node';
import type { TokenRequestContext } from '../grants/grant-handler.js';
import { invalidDpopProof, invalidRequest, temporarilyUnavailable, useDpopNonce, type OAuthError } from '../oauth-error.js';
import { BEARER, type SenderConstraint, type SenderConstraintCheck } from '../sender-constraint.js';
import { ReplayCacheFullError } from '../replay-cache.js';
import type { DpopNonces } from './dpop-nonces.js';
import type { DpopReplayGuard } from './dpop-replay-guard.js';

export interface DpopSenderConstraintDeps {
  /** The token endpoint's public URL (issuer + `/token`), the `htu` every proof must name. */
  tokenEndpoint: string;
  /** RFC 9449 §5.1 `dpop_signing_alg_values_supported`. */
  algorithms: readonly DpopAlgorithm[];
  /** Present when nonces are required (RFC 9449 §8). */
  nonces?: DpopNonces;
  replay: DpopReplayGuard;
  /**
   * Whether each proof's single use is also claimed in the database, in the token's group commit
   * (`SenderConstraint.replayClaims`): true whenever another process can issue tokens from the same
   * store (`dpopSingleUseAuthority`); false where `replay` itself is the authority.
   */
  durableClaims: boolean;
  /** The check for requests without a DPoP proof (e.g. RFC 8705 certificate binding); default bearer. */
  withoutProof?: SenderConstraintCheck;
}

/** How long a proof's `jti` is remembered after its `iat`: the acceptance window plus the future skew, ms. */
const REPLAY_WINDOW_MS = (DEFAULT_DPOP_MAX_AGE_SECONDS + DEFAULT_DPOP_FUTURE_SKEW_SECONDS) * 1000;

/** What every proof's replay key starts with (the namespace of `ReplayClaim.key`). */
export const DPOP_REPLAY_PREFIX = 'dpop:';

/** The replay key of a proof: per key, so one agent's `jti` choices cannot collide with another's. */
export function dpopReplayKey(proof: Pick<VerifiedDpopProof, 'jkt' | 'jti'>): string {
  return `${DPOP_REPLAY_PREFIX}${proof.jkt}:${proof.jti}`;
}

/**
 * The token endpoint's DPoP step (RFC 9449 §5), run after client authentication:
 *
 * - no `DPoP` header: a client registered with `dpop_bound_access_tokens` is refused with
 *   `invalid_request` (RFC 9449 §5.2 says such requests MUST be rejected without naming a code;
 *   a missing required header is RFC 6749 §5.2's "missing a required parameter", and
 *   `invalid_dpop_proof` is for a proof that is present but invalid, RFC 9449 §5); any other client
 *   goes on to `withoutProof` (a bearer token by default);
 * - two or more `DPoP` headers: `invalid_dpop_proof` (RFC 9449 §4.3 check 1);
 * - the proof is checked by the shared verifier against `POST` and the token endpoint's URL, with
 *   the nonce policy when nonces are required (`use_dpop_nonce` with a fresh `DPoP-Nonce`, §8);
 * - its `jti` is claimed single-use (§11.1): the in-process cache and Redis turn a replay away
 *   here with `invalid_dpop_proof`. With `durableClaims`, the claim is also returned in
 *   `replayClaims` and committed atomically with the token (group commit), which settles a race
 *   between processes and nodes; without, the in-process claim is the authority, and a cache full
 *   of live proofs refuses the request (503 `temporarily_unavailable`) rather than forget one.
 *
 * The token is bound with `cnf.jkt` (§6.1) and typed `DPoP` (§5.1). When nonces are on, every
 * answer, success or refusal, carries a fresh `DPoP-Nonce` so the client never needs an extra
 * round trip to learn the next one (§8.2).
 */
export function dpopSenderConstraint(deps: DpopSenderConstraintDeps): SenderConstraintCheck {
  const { tokenEndpoint, algorithms, nonces, replay, durableClaims } = deps;
  const nonceHeaders = (): Record<string, string> => (nonces === undefined ? {} : { 'dpop-nonce': nonces.current() });
  // The fixed public descriptions of the RFC 9449 errors; the reason goes to the log
  // (ARCHITECTURE.md, Errors).
  const refuse = (error: DpopProofError): OAuthError =>
    error.code === 'use_dpop_nonce' ? useDpopNonce(`DPoP: ${error.detail}`, nonceHeaders()) : invalidDpopProof(`DPoP: ${error.detail}`, nonceHeaders());
  const expectedNonce = nonces === undefined ? undefined : (nonce: string | undefined) => nonces.check(nonce);

  return async (context: TokenRequestContext): Promise<SenderConstraint> => {
    const values = context.request.headerValues('dpop');
    if (values.length === 0) {
      if (context.client.client.agent.dpopBoundAccessTokens === true) throw invalidRequest('DPoP proof required: the client is registered with dpop_bound_access_tokens');
      return deps.withoutProof ? deps.withoutProof(context) : BEARER;
    }
    if (values.length > 1) throw refuse(new DpopProofError('invalid_dpop_proof', 'more than one DPoP header'));

    let proof: VerifiedDpopProof;
    try {
      proof = await verifyDpopProof(values[0] as string, {
        method: 'POST',
        url: tokenEndpoint,
        algorithms,
        now: context.now,
        ...(expectedNonce === undefined ? {} : { expectedNonce }),
      });
    } catch (error) {
      if (error instanceof DpopProofError) throw refuse(error);
      throw error;
    }

    const key = dpopReplayKey(proof);
    // From the proof alone (`ReplayClaim`): the same proof presented again names the same claim.
    // The verifier accepted iat >= now - max age, so this is at least the future skew from now.
    const expiresAt = Math.ceil(proof.iat * 1000) + REPLAY_WINDOW_MS;
    let fresh: boolean;
    try {
      fresh = await replay.claim(key, expiresAt, context.now);
    } catch (error) {
      if (!(error instanceof ReplayCacheFullError)) throw error;
      // Fail closed: accepting the proof unrecorded would let it be replayed.
      throw temporarilyUnavailable(`DPoP: ${error.message}`, 1, nonceHeaders());
    }
    if (!fresh) throw refuse(new DpopProofError('invalid_dpop_proof', 'jti replayed'));

    return {
      cnf: { jkt: proof.jkt },
      tokenType: 'DPoP',
      replayClaims: durableClaims ? [{ key, expiresAt }] : [],
      replayError: () => refuse(new DpopProofError('invalid_dpop_proof', 'jti replayed (lost at commit to another process or node)')),
      headers: nonceHeaders(),
      auditDetails: { dpop_jkt: proof.jkt, dpop_alg: proof.alg },
    };
  };
}
