import { describe, expect, it } from 'vitest';
import { DEFAULT_CA_ROTATION, planCaRotation } from '../../src/ca/ca-rotation-plan.js';
import type { CaAuthorityRecord } from '../../src/store/ports/ca-store.js';

const DAY = 86_400_000;
const row = (id: string, kind: 'root' | 'intermediate', state: CaAuthorityRecord['state'], createdAt: number, notAfter: number, parentId: string | null = null): CaAuthorityRecord => ({
  id,
  kind,
  state,
  certificate: '',
  encryptedPrivateKey: 'sealed',
  parentId,
  external: false,
  createdAt,
  activatedAt: state === 'active' ? createdAt : null,
  notAfter,
});

describe('planCaRotation (pure, any clock)', () => {
  const root = row('r', 'root', 'active', 0, 3650 * DAY);
  const active = row('a', 'intermediate', 'active', 0, 30 * DAY, 'r');

  it('asks for a root and an issuing CA on an empty database, then places them', () => {
    expect(planCaRotation([], 0, DEFAULT_CA_ROTATION, 'sync', {}).need).toEqual({ root: true, parentId: null });
    const plan = planCaRotation([], 0, DEFAULT_CA_ROTATION, 'sync', { root: { ...root, state: 'prepared' }, intermediate: { ...active, state: 'prepared' } });
    expect(plan.insert.map((r) => `${r.kind}:${r.state}`)).toEqual(['root:active', 'intermediate:active']);
  });

  it('does nothing before half life, prepares a successor after it, promotes it at five sixths', () => {
    expect(planCaRotation([root, active], 14 * DAY, DEFAULT_CA_ROTATION, 'sync', {})).toMatchObject({ insert: [], update: [], remove: [] });
    expect(planCaRotation([root, active], 16 * DAY, DEFAULT_CA_ROTATION, 'sync', {}).need).toEqual({ root: false, parentId: 'r' });
    const next = row('b', 'intermediate', 'prepared', 16 * DAY, 46 * DAY, 'r');
    const prepared = planCaRotation([root, active], 16 * DAY, DEFAULT_CA_ROTATION, 'sync', { intermediate: next });
    expect(prepared.insert.map((r) => r.state)).toEqual(['prepared']);
    const promoted = planCaRotation([root, active, next], 26 * DAY, DEFAULT_CA_ROTATION, 'sync', {});
    expect(promoted.update.map((r) => `${r.id}:${r.state}`).sort()).toEqual(['a:old', 'b:active']);
    expect(promoted.events.map((e) => e.event)).toEqual(['ca.rotated']);
  });

  it('ignores a candidate signed by another root, and removes expired CAs', () => {
    const stray = row('x', 'intermediate', 'prepared', 16 * DAY, 46 * DAY, 'other-root');
    expect(planCaRotation([root, active], 16 * DAY, DEFAULT_CA_ROTATION, 'sync', { intermediate: stray }).need).toEqual({ root: false, parentId: 'r' });
    const old = row('o', 'intermediate', 'old', 0, 10 * DAY, 'r');
    expect(planCaRotation([root, { ...active, createdAt: 11 * DAY, activatedAt: 11 * DAY, notAfter: 41 * DAY }, old], 11 * DAY, DEFAULT_CA_ROTATION, 'sync', {}).remove).toEqual(['o']);
  });

  it('is blocked, not broken, when the root key is not ours', () => {
    const external = { ...root, encryptedPrivateKey: null, external: true };
    const plan = planCaRotation([external, active], 27 * DAY, DEFAULT_CA_ROTATION, 'sync', {});
    expect(plan.blocked).toContain('import');
    expect(plan.insert).toEqual([]);
  });
});
