import { describe, expect, it } from 'vitest';
import { planRotation, type RotationPolicy, type SigningKeyCandidate } from '../../src/keys/rotation-plan.js';
import type { SigningKeyRecord } from '../../src/store/records.js';

const T = Date.UTC(2026, 0, 1);
const policy: RotationPolicy = { rotationIntervalMs: 3_600_000, prePublishMs: 300_000, retiredGraceMs: 86_460_000 };

function key(kid: string, state: SigningKeyRecord['state'], fields: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid,
    alg: 'ES256',
    state,
    publicJwk: { kty: 'EC' },
    encryptedPrivateKey: 'sealed',
    createdAt: T,
    activatedAt: state === 'active' ? T : null,
    retiredAt: null,
    expiresAt: null,
    ...fields,
  };
}

const candidates = (...kids: string[]): SigningKeyCandidate[] => kids.map((kid) => ({ kid, alg: 'ES256', publicJwk: { kty: 'EC' }, encryptedPrivateKey: 'sealed' }));

describe('planRotation', () => {
  it('asks for keys rather than planning without them', () => {
    expect(planRotation([], T, policy, 'sync', candidates('a'))).toMatchObject({ needCandidates: 2, insert: [], update: [], remove: [] });
  });

  it('promotes a published next key when the active row is missing, and makes a new next', () => {
    const plan = planRotation([key('n', 'next')], T + 10, policy, 'sync', candidates('x'));
    expect(plan.update).toEqual([expect.objectContaining({ kid: 'n', state: 'active', activatedAt: T + 10 })]);
    expect(plan.insert).toEqual([expect.objectContaining({ kid: 'x', state: 'next', createdAt: T + 10 })]);
  });

  it('retires all but the newest of two active keys', () => {
    const plan = planRotation([key('old', 'active', { activatedAt: T - 1 }), key('new', 'active'), key('n', 'next')], T + 1, policy, 'sync', []);
    expect(plan.update).toEqual([expect.objectContaining({ kid: 'old', state: 'retired', retiredAt: T + 1, expiresAt: T + 1 + policy.retiredGraceMs })]);
    expect(plan.insert).toEqual([]);
  });

  it('removes surplus next keys and expired keys, keeping the oldest next', () => {
    const current = [key('a', 'active'), key('n1', 'next', { createdAt: T - 5 }), key('n2', 'next'), key('gone', 'retired', { expiresAt: T - 1 })];
    expect(planRotation(current, T, policy, 'sync', []).remove.sort()).toEqual(['gone', 'n2']);
  });

  it('keeps a retired key through its expiry instant', () => {
    const current = [key('a', 'active'), key('n', 'next'), key('r', 'retired', { expiresAt: T + 5 })];
    expect(planRotation(current, T + 5, policy, 'sync', []).remove).toEqual([]);
    expect(planRotation(current, T + 6, policy, 'sync', []).remove).toEqual(['r']);
  });

  it('forces a rotation with no next key by activating a new one', () => {
    const plan = planRotation([key('a', 'active')], T, policy, 'force', candidates('x', 'y'));
    expect(plan.insert.map((k) => [k.kid, k.state])).toEqual([
      ['x', 'active'],
      ['y', 'next'],
    ]);
    expect(plan.events.map((e) => e.event).sort()).toEqual(['signing_key.created', 'signing_key.created', 'signing_key.retired', 'signing_key.rotated']);
  });

  it('on a refused rotateNow without a next key, still publishes one so a retry can succeed', () => {
    const plan = planRotation([key('a', 'active')], T, policy, 'rotate', candidates('x'));
    expect(plan.tooSoonUntil).toBe(T + policy.prePublishMs);
    expect(plan.insert).toEqual([expect.objectContaining({ kid: 'x', state: 'next' })]);
    expect(plan.update).toEqual([]);
  });
});
