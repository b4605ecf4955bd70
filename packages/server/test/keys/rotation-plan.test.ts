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

  it('activates a published prepared key when the active row is missing, and prepares a new one', () => {
    const plan = planRotation([key('p', 'prepared')], T + 10, policy, 'sync', candidates('x'));
    expect(plan.update).toEqual([expect.objectContaining({ kid: 'p', state: 'active', activatedAt: T + 10 })]);
    expect(plan.insert).toEqual([expect.objectContaining({ kid: 'x', state: 'prepared', createdAt: T + 10 })]);
  });

  it('retires all but the newest of two active keys', () => {
    const plan = planRotation([key('older', 'active', { activatedAt: T - 1 }), key('newer', 'active'), key('p', 'prepared')], T + 1, policy, 'sync', []);
    expect(plan.update).toEqual([expect.objectContaining({ kid: 'older', state: 'old', retiredAt: T + 1, expiresAt: T + 1 + policy.retiredGraceMs })]);
    expect(plan.insert).toEqual([]);
  });

  it('removes surplus prepared keys and expired keys, keeping the oldest prepared one', () => {
    const current = [key('a', 'active'), key('p1', 'prepared', { createdAt: T - 5 }), key('p2', 'prepared'), key('gone', 'old', { expiresAt: T - 1 })];
    expect(planRotation(current, T, policy, 'sync', []).remove.sort()).toEqual(['gone', 'p2']);
  });

  it('keeps an old key through its expiry instant', () => {
    const current = [key('a', 'active'), key('p', 'prepared'), key('o', 'old', { expiresAt: T + 5 })];
    expect(planRotation(current, T + 5, policy, 'sync', []).remove).toEqual([]);
    expect(planRotation(current, T + 6, policy, 'sync', []).remove).toEqual(['o']);
  });

  it('forces a rotation with no prepared key by activating a new one', () => {
    const plan = planRotation([key('a', 'active')], T, policy, 'force', candidates('x', 'y'));
    expect(plan.insert.map((k) => [k.kid, k.state])).toEqual([
      ['x', 'active'],
      ['y', 'prepared'],
    ]);
    expect(plan.events.map((e) => e.event).sort()).toEqual(['signing_key.created', 'signing_key.created', 'signing_key.retired', 'signing_key.rotated']);
  });

  it('on a refused rotateNow without a prepared key, still prepares one so a retry can succeed', () => {
    const plan = planRotation([key('a', 'active')], T, policy, 'rotate', candidates('x'));
    expect(plan.tooSoonUntil).toBe(T + policy.prePublishMs);
    expect(plan.insert).toEqual([expect.objectContaining({ kid: 'x', state: 'prepared' })]);
    expect(plan.update).toEqual([]);
  });
});
