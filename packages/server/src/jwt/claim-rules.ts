import { timeClaimFault, type TimeClaim } from '@agentauth/protocol';
import type { JwtKind } from './jwt-kinds.js';

/** Longest `jti` accepted (RFC 7519 §4.1.7 sets no bound; ours and our agents' are far shorter). */
export const MAX_JTI_LENGTH = 256;

/**
 * The time claims of a JWT of `kind`, judged at `now` (seconds) with the kind's clock skew: the
 * `required` ones present, every one present a finite NumericDate (RFC 7519 §2), `nbf` and `iat` not
 * in the future, `exp` not past (RFC 7519 §4.1.4-4.1.6). Returns why they refuse the token (for the
 * log and the audit record), or undefined; `token expired` is decided last.
 *
 * Does NOT bound the lifetime: how far ahead `exp` may lie is each door's own rule.
 */
export function timeClaimsFault(claims: Readonly<Record<string, unknown>>, kind: JwtKind, now: number, required: readonly TimeClaim[]): string | undefined {
  const fault = timeClaimFault(claims, { now, skew: kind.skew, required });
  switch (fault?.fault) {
    case undefined:
      return undefined;
    case 'missing':
      return `${fault.claim} missing`;
    case 'not_numeric_date':
      return `${fault.claim} is not a NumericDate`;
    case 'in_future':
      return `${fault.claim} in the future`;
    case 'expired':
      return 'token expired';
  }
}

/** RFC 7519 §4.1.7 `jti`: a non-empty string of at most {@link MAX_JTI_LENGTH} characters; why not, or undefined. */
export function jtiFault(jti: unknown): string | undefined {
  if (typeof jti !== 'string' || jti === '') return 'jti missing';
  return jti.length > MAX_JTI_LENGTH ? 'jti too long' : undefined;
}

/**
 * When a single-use claim on a JWT's `jti` may be forgotten, ms: once the token has expired even to
 * a clock running `skew` behind ours (RFC 7523 §3 item 7).
 */
export function replayClaimExpiry(exp: number, kind: JwtKind): number {
  return (exp + kind.skew) * 1000;
}
