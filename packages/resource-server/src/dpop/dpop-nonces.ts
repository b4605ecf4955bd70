import type { DpopNonceCheck } from './verify-dpop-proof.js';

/** Default nonce lifetime: a client refreshes it at most this often. */
export const DEFAULT_DPOP_NONCE_ROTATION_MS = 60_000;

/**
 * Resource-server-provided DPoP nonces (RFC 9449 §9): a random value that changes every
 * `rotationMs`; the current and the previous one are accepted, so a client that just fetched
 * a nonce is not refused at the boundary. A proof must then be no older than two rotations, which
 * limits pre-generated proofs (RFC 9449 §11.2) better than `iat` alone.
 */
export class DpopNonces {
  private current: { value: string; since: number } | undefined;
  private previous: string | undefined;

  constructor(
    private readonly now: () => number,
    private readonly rotationMs: number = DEFAULT_DPOP_NONCE_ROTATION_MS,
  ) {
    if (!Number.isFinite(rotationMs) || rotationMs <= 0) throw new TypeError('rotationMs must be a positive number');
  }

  /** The nonce to send in `DPoP-Nonce`. */
  value(): string {
    const now = this.now();
    if (this.current === undefined || now - this.current.since >= this.rotationMs) {
      // Two rotations without traffic: the old previous value must not come back to life.
      this.previous = this.current !== undefined && now - this.current.since < 2 * this.rotationMs ? this.current.value : undefined;
      this.current = { value: randomNonce(), since: now };
    }
    return this.current.value;
  }

  /** The check to hand to `verifyDpopProof`. */
  readonly check: DpopNonceCheck = (nonce) => {
    if (nonce === undefined) return 'missing';
    const current = this.value();
    return nonce === current || (this.previous !== undefined && nonce === this.previous) ? 'ok' : 'invalid';
  };
}

/** 128 random bits, base64url: unguessable, so a client cannot pre-compute proofs. */
function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
