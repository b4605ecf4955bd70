/**
 * RFC 7519 §2 NumericDate: seconds since the epoch as a JSON number. Only a finite one is a date:
 * JSON.parse reads `1e400` as Infinity, which would make `exp` never pass and `iat` never happen.
 */
export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The registered time claims (RFC 7519 §4.1.4-4.1.6). */
export type TimeClaim = 'exp' | 'nbf' | 'iat';

/** Why the time claims refuse a JWT; `expired` is decided last, so it means every other rule held. */
export type TimeClaimFault =
  | { claim: TimeClaim; fault: 'missing' | 'not_numeric_date' }
  | { claim: 'nbf' | 'iat'; fault: 'in_future' }
  | { claim: 'exp'; fault: 'expired' };

/** How time claims are judged: now and the tolerated clock skew, in seconds; which claims must be present. */
export interface TimeClaimRules {
  now: number;
  skew: number;
  required: readonly TimeClaim[];
}

/**
 * Judges `exp`, `nbf` and `iat` at `now`: each present one must be a NumericDate, each required one
 * present; `nbf` and `iat` may not be later than `now + skew` (RFC 7519 §4.1.5; a token issued in
 * the future is not valid yet); `exp` must be later than `now - skew` (§4.1.4). Returns the first
 * fault, or undefined when the claims hold.
 *
 * Does NOT bound a token's lifetime: how far ahead `exp` may lie is each kind's own rule.
 */
export function timeClaimFault(claims: Readonly<Record<string, unknown>>, rules: TimeClaimRules): TimeClaimFault | undefined {
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[claim];
    if (value === undefined) {
      if (rules.required.includes(claim)) return { claim, fault: 'missing' };
    } else if (!isNumericDate(value)) {
      return { claim, fault: 'not_numeric_date' };
    }
  }
  const { exp, nbf, iat } = claims as { exp?: number; nbf?: number; iat?: number };
  if (nbf !== undefined && nbf > rules.now + rules.skew) return { claim: 'nbf', fault: 'in_future' };
  if (iat !== undefined && iat > rules.now + rules.skew) return { claim: 'iat', fault: 'in_future' };
  if (exp !== undefined && exp <= rules.now - rules.skew) return { claim: 'exp', fault: 'expired' };
  return undefined;
}
