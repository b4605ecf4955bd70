import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/store/ports/conflict-error.js';
import type { SessionRecord, UserRecord } from '../../../src/store/ports/user-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, prefix, readChain } from '../fixtures.js';

function user(id: string, over: Partial<UserRecord> = {}): UserRecord {
  return {
    id,
    email: `${id.toLowerCase()}@example.com`,
    name: `Person ${id}`,
    groups: ['eng', 'ops'],
    roles: ['operator'],
    status: 'active',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    totpSecret: null,
    totpPending: null,
    totpLastStep: null,
    failedLogins: 0,
    lockedUntil: null,
    createdAt: T0,
    updatedAt: T0,
    lastLoginAt: null,
    ...over,
  };
}

function session(idHash: string, userId: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return { idHash, userId, stage: 'signed_in', createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 3_600_000, ...over };
}

/** The `UserStore` contract: people, their lockout counter, single-use TOTP steps and sessions. */
export function userStoreContract(stores: () => ContractStores): void {
  describe('UserStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });
    const record = (p: string, event: string) => [audit(null, { event: event as never, details: { id: p } })];
    const events = async (p: string) => (await readChain(other)).filter((r) => r.details['id'] === p).map((r) => r.event);

    it('creates a person once per email and reads back exactly what was written', async () => {
      const p = prefix();
      const alice = user(`${p}-a`);
      await store.createUser(alice, record(p, 'user.created'));
      expect(await other.getUser(alice.id)).toEqual(alice);
      expect(await other.getUserByEmail(alice.email)).toEqual(alice);
      await expect(other.createUser(user(`${p}-b`, { email: alice.email }), record(p, 'user.created'))).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getUser(`${p}-b`)).toBeUndefined();
      expect(await events(p)).toEqual(['user.created']);
    });

    it('lists people by id, a page at a time', async () => {
      const p = prefix();
      for (const suffix of ['c', 'a', 'b']) await store.createUser(user(`${p}-${suffix}`), []);
      const first = await other.listUsers({ limit: 2, after: `${p}-` });
      expect(first.map((u) => u.id)).toEqual([`${p}-a`, `${p}-b`]);
      const next = (await other.listUsers({ limit: 2, after: `${p}-b` })).filter((u) => u.id.startsWith(p));
      expect(next.map((u) => u.id)).toEqual([`${p}-c`]);
    });

    it('updates a person with its record, refuses a taken email, and ends their sessions when asked', async () => {
      const p = prefix();
      const alice = user(`${p}-a`);
      const bob = user(`${p}-b`);
      await store.createUser(alice, []);
      await store.createUser(bob, []);
      await store.createSession(session(`${p}-s`, alice.id), []);
      const updated = await store.updateUser(alice.id, { name: 'Alice', roles: ['admin'] }, T0 + 5, () => record(p, 'user.updated'));
      expect(updated).toEqual({ ...alice, name: 'Alice', roles: ['admin'], updatedAt: T0 + 5, lastLoginAt: T0 });
      expect(await other.getSession(`${p}-s`)).toBeDefined();
      await expect(store.updateUser(alice.id, { email: bob.email }, T0 + 6, () => record(p, 'user.lost'))).rejects.toBeInstanceOf(ConflictError);
      await store.updateUser(alice.id, { status: 'suspended' }, T0 + 7, () => record(p, 'user.suspended'), { endSessions: true });
      expect(await other.getSession(`${p}-s`)).toBeUndefined();
      expect(await store.updateUser(`${p}-gone`, { name: 'x' }, T0, () => record(p, 'user.lost'))).toBeUndefined();
      expect(await events(p)).toEqual(['user.updated', 'user.suspended']);
    });

    it('deletes a person with their sessions, once', async () => {
      const p = prefix();
      await store.createUser(user(`${p}-a`), []);
      await store.createSession(session(`${p}-s`, `${p}-a`), []);
      expect(await store.deleteUser(`${p}-a`, record(p, 'user.deleted'))).toBe(true);
      expect(await other.deleteUser(`${p}-a`, record(p, 'user.deleted'))).toBe(false);
      expect(await other.getSession(`${p}-s`)).toBeUndefined();
      expect(await events(p)).toEqual(['user.deleted']);
    });

    it('counts failures atomically and locks at the threshold, recording the lockout with it', async () => {
      const p = prefix();
      await store.createUser(user(`${p}-a`), []);
      // Racing failures from two nodes: every one counts, exactly one locks.
      const results = await Promise.all(Array.from({ length: 3 }, (_, i) => (i % 2 === 0 ? store : other).recordLoginFailure(`${p}-a`, T0, 3, 60_000, () => record(p, 'user.locked'))));
      expect(results.filter((r) => r?.lockedUntil === T0 + 60_000)).toHaveLength(1);
      const locked = await other.getUser(`${p}-a`);
      expect(locked).toMatchObject({ failedLogins: 0, lockedUntil: T0 + 60_000 });
      expect(await store.recordLoginFailure(`${p}-a`, T0, 3, 60_000, () => record(p, 'user.locked'))).toEqual({ failedLogins: 1, lockedUntil: null });
      expect(await store.recordLoginFailure(`${p}-gone`, T0, 3, 60_000, () => record(p, 'user.locked'))).toBeUndefined();
      expect(await events(p)).toEqual(['user.locked']);
    });

    it('accepts each TOTP step once, and no earlier step after it, even when nodes race', async () => {
      const p = prefix();
      await store.createUser(user(`${p}-a`), []);
      const race = await Promise.all([store.claimTotpStep(`${p}-a`, 100), other.claimTotpStep(`${p}-a`, 100), store.claimTotpStep(`${p}-a`, 100)]);
      expect(race.filter(Boolean)).toHaveLength(1);
      expect(await other.claimTotpStep(`${p}-a`, 99)).toBe(false);
      expect(await other.claimTotpStep(`${p}-a`, 101)).toBe(true);
      expect(await store.claimTotpStep(`${p}-gone`, 1)).toBe(false);
    });

    it('stores sessions by hash, replaces a second-factor stage once, and clears the failure count on sign-in', async () => {
      const p = prefix();
      await store.createUser(user(`${p}-a`, { failedLogins: 2 }), []);
      expect(await store.createSession(session(`${p}-m`, `${p}-a`, { stage: 'mfa' }), [])).toBe(true);
      expect((await other.getUser(`${p}-a`))?.failedLogins).toBe(2);
      const full = session(`${p}-s`, `${p}-a`, { createdAt: T0 + 9 });
      const both = await Promise.all([store.createSession(full, record(p, 'user_session.created'), `${p}-m`), other.createSession({ ...full, idHash: `${p}-t` }, record(p, 'user_session.created'), `${p}-m`)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await other.getSession(`${p}-m`)).toBeUndefined();
      expect(await other.getUser(`${p}-a`)).toMatchObject({ failedLogins: 0, lastLoginAt: T0 + 9 });
      expect(await events(p)).toEqual(['user_session.created']);
    });

    it('touches a session only forward, deletes it once, and prunes the timed-out ones', async () => {
      const p = prefix();
      await store.createUser(user(`${p}-a`), []);
      await store.createSession(session(`${p}-s`, `${p}-a`), []);
      await store.touchSession(`${p}-s`, T0 + 100);
      await other.touchSession(`${p}-s`, T0 + 50);
      expect((await store.getSession(`${p}-s`))?.lastSeenAt).toBe(T0 + 100);
      expect(await store.deleteSession(`${p}-s`, record(p, 'user_session.ended'))).toBe(true);
      expect(await other.deleteSession(`${p}-s`, record(p, 'user_session.ended'))).toBe(false);
      expect(await events(p)).toEqual(['user_session.ended']);

      await store.createSession(session(`${p}-old`, `${p}-a`, { expiresAt: T0 + 10 }), []);
      await store.createSession(session(`${p}-idle`, `${p}-a`, { lastSeenAt: T0 }), []);
      await store.createSession(session(`${p}-live`, `${p}-a`, { lastSeenAt: T0 + 1_000_000, expiresAt: T0 + 9_000_000 }), []);
      expect(await store.pruneSessions(T0 + 1_000_000, 500_000)).toBeGreaterThanOrEqual(2);
      expect(await other.getSession(`${p}-old`)).toBeUndefined();
      expect(await other.getSession(`${p}-idle`)).toBeUndefined();
      expect(await other.getSession(`${p}-live`)).toBeDefined();
    });
  });
}
