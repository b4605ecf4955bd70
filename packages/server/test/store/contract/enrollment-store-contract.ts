import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EnrollmentTokenRecord } from '../../../src/store/ports/enrollment-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, newAgent, prefix, readChain } from '../fixtures.js';

/** An unused enrolment token of `agentId`, stored by the SHA-256 of `secret`. */
function enrollmentToken(agentId: string, secret: string, over: Partial<EnrollmentTokenRecord> = {}): EnrollmentTokenRecord {
  return { id: `enr_${secret}`, tokenHash: createHash('sha256').update(secret).digest('hex'), agentId, createdAt: T0, expiresAt: T0 + 60_000, usedAt: null, ...over };
}

/** The `EnrollmentStore` contract: one-time tokens, each consumed by one conditional write. */
export function enrollmentStoreContract(stores: () => ContractStores): void {
  describe('EnrollmentStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('consumes a token once, and tells a used, an expired and an unknown token apart', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const token = enrollmentToken(`${p}-a`, `${p}-1`);
      const expired = enrollmentToken(`${p}-a`, `${p}-2`, { expiresAt: T0 + 10 });
      await store.createEnrollmentToken(token);
      await store.createEnrollmentToken(expired);
      expect(await other.consumeEnrollmentToken(token.tokenHash, T0 + 1)).toEqual({ ok: true, record: { ...token, usedAt: T0 + 1 } });
      expect(await store.consumeEnrollmentToken(token.tokenHash, T0 + 2)).toEqual({ ok: false, reason: 'used', agentId: `${p}-a` });
      // Valid until its `expiresAt`, not at it.
      expect(await store.consumeEnrollmentToken(expired.tokenHash, T0 + 10)).toEqual({ ok: false, reason: 'expired', agentId: `${p}-a` });
      expect(await store.consumeEnrollmentToken(enrollmentToken(`${p}-a`, `${p}-never`).tokenHash, T0)).toEqual({ ok: false, reason: 'unknown' });
    });

    it('writes a new token\u2019s audit records in its transaction; a record that cannot be written stores no token', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const token = enrollmentToken(`${p}-a`, `${p}-s1`);
      await store.createEnrollmentToken(token, [audit(`${p}-a`, { event: 'enrollment_token.created', details: { enrollment_token_id: token.id } })]);
      expect((await readChain(other)).filter((r) => r.details['enrollment_token_id'] === token.id).map((r) => r.event)).toEqual(['enrollment_token.created']);
      const refused = enrollmentToken(`${p}-a`, `${p}-s2`);
      await expect(store.createEnrollmentToken(refused, [audit(`${p}-a`, { event: 'enrollment_token.lost' as never })])).rejects.toThrow(TypeError);
      expect(await other.consumeEnrollmentToken(refused.tokenHash, T0)).toMatchObject({ ok: false, reason: 'unknown' });
    });

    it('lets exactly one of two racing stores consume a token', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const token = enrollmentToken(`${p}-a`, `${p}-race`);
      await store.createEnrollmentToken(token);
      const results = await Promise.all([store.consumeEnrollmentToken(token.tokenHash, T0 + 1), other.consumeEnrollmentToken(token.tokenHash, T0 + 1)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'used', agentId: `${p}-a` }]);
    });

    it('goes with its agent', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const token = enrollmentToken(`${p}-a`, `${p}-gone`);
      await store.createEnrollmentToken(token);
      await store.deleteAgent(`${p}-a`);
      expect(await store.consumeEnrollmentToken(token.tokenHash, T0 + 1)).toEqual({ ok: false, reason: 'unknown' });
    });

    it('prunes the tokens that expired before the given time, and no other', async () => {
      const p = prefix();
      const at = T0 + 80_000_000;
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const old = enrollmentToken(`${p}-a`, `${p}-old`, { expiresAt: at - 1 });
      const live = enrollmentToken(`${p}-a`, `${p}-live`, { expiresAt: at });
      await store.createEnrollmentToken(old);
      await store.createEnrollmentToken(live);
      expect(await store.pruneEnrollmentTokens(at)).toBeGreaterThanOrEqual(1);
      expect(await store.pruneEnrollmentTokens(at)).toBe(0);
      expect(await store.consumeEnrollmentToken(old.tokenHash, T0)).toEqual({ ok: false, reason: 'unknown' });
      expect((await store.consumeEnrollmentToken(live.tokenHash, T0)).ok).toBe(true);
    });
  });
}
