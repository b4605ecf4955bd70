import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/store/ports/conflict-error.js';
import type { PasskeyRecord, WebAuthnChallengeRecord } from '../../../src/store/ports/passkey-store.js';
import type { UserRecord } from '../../../src/store/ports/user-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, prefix, readChain } from '../fixtures.js';

function user(id: string): UserRecord {
  return {
    id,
    email: `${id.toLowerCase()}@example.com`,
    name: `Person ${id}`,
    groups: [],
    roles: [],
    status: 'active',
    passwordHash: null,
    totpSecret: null,
    totpPending: null,
    totpLastStep: null,
    failedLogins: 0,
    lockedUntil: null,
    createdAt: T0,
    updatedAt: T0,
    lastLoginAt: null,
  };
}

function passkey(credentialId: string, userId: string, over: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return { credentialId, userId, publicKey: 'pQECAyYgASFYIA', counter: 0, transports: ['internal', 'hybrid'], name: 'Laptop', backedUp: true, createdAt: T0, lastUsedAt: null, ...over };
}

function challenge(challengeHash: string, over: Partial<WebAuthnChallengeRecord> = {}): WebAuthnChallengeRecord {
  return { challengeHash, purpose: 'sign_in', bindingHash: 'binding', userId: null, expiresAt: T0 + 300_000, ...over };
}

/** The `PasskeyStore` contract: people's passkeys, their counters, and single-use ceremony challenges. */
export function passkeyStoreContract(stores: () => ContractStores): void {
  describe('PasskeyStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });
    const record = (p: string, event: string) => [audit(null, { event: event as never, details: { id: p } })];
    const events = async (p: string) => (await readChain(other)).filter((r) => r.details['id'] === p).map((r) => r.event);

    it('stores a passkey once per credential id, whoever registers it, with its audit record, and lists a person\u2019s own', async () => {
      const p = prefix();
      await store.createUser(user(`usr_${p}a`), []);
      await store.createUser(user(`usr_${p}b`), []);
      await store.createPasskey(passkey(`${p}-cred-1`, `usr_${p}a`), record(p, 'passkey.registered'));
      await store.createPasskey(passkey(`${p}-cred-2`, `usr_${p}a`, { createdAt: T0 + 1, backedUp: false, transports: [] }), record(p, 'passkey.registered'));
      expect(await other.getPasskey(`${p}-cred-1`)).toEqual(passkey(`${p}-cred-1`, `usr_${p}a`));
      await expect(other.createPasskey(passkey(`${p}-cred-1`, `usr_${p}b`), record(p, 'passkey.registered'))).rejects.toBeInstanceOf(ConflictError);
      expect((await other.listPasskeys(`usr_${p}a`)).map((k) => k.credentialId)).toEqual([`${p}-cred-1`, `${p}-cred-2`]);
      expect(await other.listPasskeys(`usr_${p}b`)).toEqual([]);
      expect(await events(p)).toEqual(['passkey.registered', 'passkey.registered']);
    });

    it('removes a passkey only for its owner, and with the person', async () => {
      const p = prefix();
      await store.createUser(user(`usr_${p}a`), []);
      await store.createPasskey(passkey(`${p}-cred`, `usr_${p}a`), []);
      await store.createPasskey(passkey(`${p}-other`, `usr_${p}a`), []);
      expect(await other.deletePasskey(`usr_${p}b`, `${p}-cred`, record(p, 'passkey.removed'))).toBe(false);
      expect(await other.deletePasskey(`usr_${p}a`, `${p}-cred`, record(p, 'passkey.removed'))).toBe(true);
      expect(await store.getPasskey(`${p}-cred`)).toBeUndefined();
      expect(await events(p)).toEqual(['passkey.removed']);
      await store.deleteUser(`usr_${p}a`, []);
      expect(await other.getPasskey(`${p}-other`)).toBeUndefined();
    });

    it('moves the counter only from the value the caller read: of two racing sign-ins one wins', async () => {
      const p = prefix();
      await store.createUser(user(`usr_${p}a`), []);
      await store.createPasskey(passkey(`${p}-cred`, `usr_${p}a`, { counter: 4 }), []);
      const results = await Promise.all([store.recordPasskeyUse(`${p}-cred`, 4, 5, T0 + 10), other.recordPasskeyUse(`${p}-cred`, 4, 6, T0 + 11)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const after = await store.getPasskey(`${p}-cred`);
      expect([5, 6]).toContain(after?.counter);
      expect(after?.lastUsedAt).toBe(after?.counter === 5 ? T0 + 10 : T0 + 11);
      expect(await store.recordPasskeyUse(`${p}-none`, 0, 1, T0)).toBe(false);
    });

    it('hands a challenge out once, on any node, for its purpose only, and never after it expired', async () => {
      const p = prefix();
      await store.saveWebAuthnChallenge(challenge(`${p}-1`));
      expect(await other.claimWebAuthnChallenge(`${p}-1`, 'register', T0)).toBeUndefined();
      const claims = await Promise.all([store.claimWebAuthnChallenge(`${p}-1`, 'sign_in', T0), other.claimWebAuthnChallenge(`${p}-1`, 'sign_in', T0)]);
      expect(claims.filter((c) => c !== undefined)).toEqual([challenge(`${p}-1`)]);
      await store.saveWebAuthnChallenge(challenge(`${p}-2`, { purpose: 'register', userId: 'usr_x', expiresAt: T0 + 10 }));
      expect(await other.claimWebAuthnChallenge(`${p}-2`, 'register', T0 + 10)).toBeUndefined();
      expect(await store.pruneWebAuthnChallenges(T0 + 10)).toBeGreaterThanOrEqual(1);
      expect(await other.claimWebAuthnChallenge(`${p}-2`, 'register', T0)).toBeUndefined();
      await store.saveWebAuthnChallenge(challenge(`${p}-3`, { purpose: 'register', userId: 'usr_x' }));
      expect(await other.claimWebAuthnChallenge(`${p}-3`, 'register', T0)).toEqual(challenge(`${p}-3`, { purpose: 'register', userId: 'usr_x' }));
    });
  });
}
