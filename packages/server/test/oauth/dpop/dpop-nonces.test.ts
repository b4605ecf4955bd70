import { describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../src/clock.js';
import { DpopNonces, dpopNonceSecret } from '../../../src/oauth/dpop/dpop-nonces.js';

const MASTER = Buffer.alloc(32, 7);

describe('DpopNonces (RFC 9449 §8)', () => {
  it('derives one secret from the master key, so every node agrees, and prefers a configured one', () => {
    expect(dpopNonceSecret(undefined, MASTER)).toEqual(dpopNonceSecret(undefined, Buffer.from(MASTER)));
    expect(dpopNonceSecret(undefined, MASTER)).not.toEqual(MASTER);
    expect(dpopNonceSecret(undefined, MASTER)).not.toEqual(dpopNonceSecret(undefined, Buffer.alloc(32, 8)));
    const configured = Buffer.alloc(32, 1);
    expect(dpopNonceSecret(configured, MASTER)).toBe(configured);
  });

  it('accepts a nonce for at least half and at most the whole lifetime', () => {
    const clock = new FrozenClock(Date.UTC(2026, 0, 1));
    const nonces = new DpopNonces(dpopNonceSecret(undefined, MASTER), 300, clock);
    const nonce = nonces.current();
    expect(nonces.check(nonce)).toBe('ok');
    clock.advance(149_999);
    expect(nonces.check(nonce)).toBe('ok');
    clock.advance(150_000);
    expect(nonces.check(nonce)).toBe('ok');
    expect(nonces.current()).not.toBe(nonce);
    clock.advance(1);
    expect(nonces.check(nonce)).toBe('invalid');
  });

  it('answers missing without a nonce and invalid for another node secret or garbage', () => {
    const clock = new FrozenClock();
    const ours = new DpopNonces(Buffer.alloc(32, 1), 300, clock);
    const theirs = new DpopNonces(Buffer.alloc(32, 2), 300, clock);
    expect(ours.check(undefined)).toBe('missing');
    expect(ours.check(theirs.current())).toBe('invalid');
    expect(ours.check('x')).toBe('invalid');
    expect(ours.check('é'.repeat(22))).toBe('invalid');
  });

  it('refuses a short secret or a lifetime under 2 s as programmer misuse', () => {
    expect(() => new DpopNonces(Buffer.alloc(16), 300, new FrozenClock())).toThrow(TypeError);
    expect(() => new DpopNonces(Buffer.alloc(32), 1, new FrozenClock())).toThrow(TypeError);
  });
});
