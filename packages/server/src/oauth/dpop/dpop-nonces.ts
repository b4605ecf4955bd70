import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.js';

/** HKDF `info` deriving the nonce secret from the master key when none is configured (RFC 5869 §3.2). */
const HKDF_INFO = 'agentauth dpop-nonce v1';

/**
 * The nonce secret: the configured one, or one derived from the master key with HKDF-SHA256, so
 * every node given the same master key agrees on nonces without sharing another secret.
 */
export function dpopNonceSecret(configured: Buffer | undefined, masterKey: Buffer): Buffer {
  if (configured !== undefined) return configured;
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), HKDF_INFO, 32));
}

/**
 * Stateless server nonces (RFC 9449 §8): a nonce is base64url(HMAC-SHA256(secret, window))[0..22],
 * where the window is the current time divided by half the lifetime. A nonce is accepted while its
 * window is the current or the previous one, so it lives between half the lifetime and the whole
 * lifetime, and any node with the same secret issues and accepts the same values: nothing is
 * stored, nothing is shared but the secret.
 *
 * A nonce is not secret (it is sent in a response header); the HMAC only makes it unforgeable and
 * unpredictable before its window starts, which is what bounds how far ahead a proof can be made.
 */
export class DpopNonces {
  private readonly windowMs: number;
  private cached: { window: number; current: Buffer; previous: Buffer } | undefined;

  constructor(
    private readonly secret: Buffer,
    /** Longest time a nonce is accepted, seconds. */
    lifetimeSeconds: number,
    private readonly clock: Clock,
  ) {
    if (!Buffer.isBuffer(secret) || secret.length < 32) throw new TypeError('the DPoP nonce secret must be at least 32 bytes');
    if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds < 2) throw new TypeError('the DPoP nonce lifetime must be an integer of at least 2 seconds');
    this.windowMs = (lifetimeSeconds * 1000) / 2;
  }

  /** The nonce to hand out now (the `DPoP-Nonce` header value, RFC 9449 §8.1 syntax: NQCHAR). */
  current(): string {
    return this.windows().current.toString('ascii');
  }

  /** Checks a proof's `nonce` claim; the shape `verifyDpopProof`'s `expectedNonce` wants. */
  check(nonce: string | undefined): 'ok' | 'missing' | 'invalid' {
    if (nonce === undefined) return 'missing';
    const given = Buffer.from(nonce, 'ascii');
    const { current, previous } = this.windows();
    if (given.length !== current.length) return 'invalid';
    // Both compared, always: the time taken says nothing about which window matched.
    const a = timingSafeEqual(given, current);
    const b = timingSafeEqual(given, previous);
    return a || b ? 'ok' : 'invalid';
  }

  private windows(): { current: Buffer; previous: Buffer } {
    const window = Math.floor(this.clock.now() / this.windowMs);
    if (this.cached?.window !== window) {
      this.cached = { window, current: this.nonceFor(window), previous: this.nonceFor(window - 1) };
    }
    return this.cached;
  }

  private nonceFor(window: number): Buffer {
    const mac = createHmac('sha256', this.secret).update(`dpop-nonce:${window}`).digest('base64url').slice(0, 22);
    return Buffer.from(mac, 'ascii');
  }
}
