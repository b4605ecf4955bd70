import { ExpiringKeys } from '../expiring-keys.js';

/** Default most proofs remembered at once. */
export const DEFAULT_DPOP_JTI_CACHE_SIZE = 200_000;

/**
 * Single use of DPoP proofs at this resource server (RFC 9449 §11.1): each proof's `jti` (scoped
 * to the key's `jkt`, so one client cannot burn another's identifiers) is remembered for as long as
 * the proof could still be accepted. In memory and bounded: when full of live entries, new proofs
 * are refused rather than an entry forgotten early, because forgetting one would allow its replay.
 * One process only: behind a load balancer, a proof replayed to another instance is not caught
 * (RFC 9449 §11.1 accepts this; `htu`, `iat` and `ath` narrow what a replay can do).
 */
export class DpopJtiCache {
  private readonly keys = new ExpiringKeys();

  constructor(private readonly maxEntries: number = DEFAULT_DPOP_JTI_CACHE_SIZE) {
    if (!Number.isInteger(maxEntries) || maxEntries <= 0) throw new TypeError('maxEntries must be a positive integer');
  }

  /**
   * Records the proof; false when it was seen before (a replay) or the cache is full of live
   * proofs. `expiresAtMs`: when the proof's `iat` leaves the acceptance window.
   */
  claim(jkt: string, jti: string, expiresAtMs: number, nowMs: number): boolean {
    this.keys.dropExpired(nowMs);
    const key = `${jkt}.${jti}`;
    const existing = this.keys.expiryOf(key);
    if (existing !== undefined && existing > nowMs) return false;
    if (existing === undefined && this.keys.size >= this.maxEntries) return false;
    this.keys.set(key, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}
