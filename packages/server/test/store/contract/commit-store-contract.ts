import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, certificateRecord, chainDefects, hashRecord, issued, prefix, readChain, tokenUnit } from '../fixtures.js';

/** The `CommitStore` contract: the group commit's batches, claims and audit chain. */
export function commitStoreContract(stores: () => ContractStores): void {
  describe('commitUnits', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });
    it('writes a batch: audit records hash-chained in unit order, issued tokens stored', async () => {
      const p = prefix();
      const units = [tokenUnit(p, `${p}-k1`, `${p}-j1`), tokenUnit(p, `${p}-k2`, `${p}-j2`), { claims: [], audit: [audit(p), audit(p)], issuedTokens: [], onReplay: [] }];
      const results = await store.commitUnits(units, hashRecord);
      expect(results.map((r) => r.ok)).toEqual([true, true, true]);
      const seqs = results.map((r) => (r.ok ? r.firstSeq : -1));
      expect(seqs[1]).toBe((seqs[0] as number) + 1);
      expect(seqs[2]).toBe((seqs[0] as number) + 2);
      const written = await store.readAuditRange(seqs[0] as number, 10);
      expect(written.slice(0, 4).map((r) => r.agentId)).toEqual([p, p, p, p]);
      expect(written[0]).toMatchObject({ ...units[0]?.audit[0], seq: seqs[0] });
      expect(written[1]?.details).toEqual({ jti: `${p}-j2` });
      expect(await store.getIssuedToken(`${p}-j1`)).toEqual(issued(p, `${p}-j1`));
      expect(chainDefects(await readChain(store))).toEqual([]);
    });

    it('starts the chain at seq 1 with the empty prevHash', async () => {
      await store.commitUnits([{ claims: [], audit: [audit(null, { event: 'server.started' })], issuedTokens: [], onReplay: [] }], hashRecord);
      const [genesis] = await store.readAuditRange(0, 1);
      if (genesis === undefined) throw new Error('no audit record was written');
      const { hash, prevHash, ...fields } = genesis;
      expect({ seq: genesis.seq, prevHash }).toEqual({ seq: 1, prevHash: '' });
      expect(hash).toBe(hashRecord('', fields));
    });

    it('hashes what is read back: undefined members and missing nullables are normalised first', async () => {
      const p = prefix();
      const loose = { ...audit(p), details: { kept: 1, dropped: undefined, nested: { b: 2, a: [1, 'x'] } } };
      const [result] = await store.commitUnits([{ claims: [], audit: [loose], issuedTokens: [], onReplay: [] }], hashRecord);
      const [record] = await store.readAuditRange(result?.ok ? result.firstSeq : 0, 1);
      expect(record?.details).toEqual({ kept: 1, nested: { b: 2, a: [1, 'x'] } });
      expect(chainDefects(await readChain(store))).toEqual([]);
    });

    it('refuses a claim already used by an earlier batch, writing onReplay instead of the unit', async () => {
      const p = prefix();
      const [first] = await store.commitUnits([tokenUnit(p, `${p}-k`, `${p}-j1`)], hashRecord);
      expect(first?.ok).toBe(true);
      const [replay, fresh] = await other.commitUnits([tokenUnit(p, `${p}-k`, `${p}-j2`), tokenUnit(p, `${p}-k2`, `${p}-j3`)], hashRecord);
      expect(replay).toEqual({ ok: false, reason: 'replayed', replayedKeys: [`${p}-k`] });
      expect(fresh?.ok).toBe(true);
      expect(await store.getIssuedToken(`${p}-j2`)).toBeUndefined();
      expect(await store.getIssuedToken(`${p}-j3`)).toBeDefined();
      const events = (await store.queryAudit({ agentId: p }, { limit: 10 })).items.map((r) => `${r.event}:${r.outcome}`);
      expect(events).toEqual(['access_token.issued:success', 'client_authentication.failed:failure', 'access_token.issued:success']);
      expect(fresh?.ok && fresh.firstSeq).toBe((await store.queryAudit({ agentId: p }, { limit: 10 })).items[2]?.seq);
    });

    it('within one batch, the first unit to claim a key wins and every presented key is consumed', async () => {
      const p = prefix();
      const results = await store.commitUnits(
        [
          tokenUnit(p, `${p}-k1`, `${p}-j1`),
          tokenUnit(p, `${p}-k1`, `${p}-j2`),
          { ...tokenUnit(p, `${p}-k1`, `${p}-j3`), claims: [{ key: `${p}-k2`, expiresAt: T0 + 1 }, { key: `${p}-k1`, expiresAt: T0 + 1 }] },
          { ...tokenUnit(p, `${p}-k2`, `${p}-j4`) },
        ],
        hashRecord,
      );
      expect(results.map((r) => r.ok)).toEqual([true, false, false, false]);
      expect(await store.getIssuedToken(`${p}-j1`)).toBeDefined();
      for (const jti of ['j2', 'j3', 'j4']) expect(await store.getIssuedToken(`${p}-${jti}`)).toBeUndefined();
      expect((await store.queryAudit({ agentId: p, outcome: 'failure' }, { limit: 10 })).items).toHaveLength(3);
    });

    it('records a claim as the pair (expiresAt, key): the same pair is refused in any later batch, a fractional expiry included', async () => {
      const p = prefix();
      const claim = (s: Store, key: string, expiresAt: number) => s.commitUnits([{ claims: [{ key, expiresAt }], audit: [], issuedTokens: [], onReplay: [] }], hashRecord);
      // An assertion's exp may be fractional; the store keeps whole milliseconds (PostgreSQL's
      // bigint would otherwise fail the batch), so the same credential names the same claim.
      expect((await claim(store, `${p}-frac`, T0 + 60_000.25)).map((r) => r.ok)).toEqual([true]);
      expect((await claim(other, `${p}-frac`, T0 + 60_000.25)).map((r) => r.ok)).toEqual([false]);
      // A different expiry is a different credential (ReplayClaim: expiresAt comes from the signed
      // credential, so a replay always names the same pair); the key holder signed it anew.
      expect((await claim(other, `${p}-frac`, T0 + 61_000)).map((r) => r.ok)).toEqual([true]);
      expect((await claim(store, `${p}-frac`, T0 + 61_000)).map((r) => r.ok)).toEqual([false]);
    });

    it('records a unit\u2019s certificates with its audit records, and none of a unit whose claim was replayed', async () => {
      const p = prefix();
      const issuedCert = certificateRecord(p, { issuedAt: T0 + 1 });
      const replayedCert = certificateRecord(p);
      const [first] = await store.commitUnits([{ claims: [{ key: `${p}-k`, expiresAt: T0 + 60_000 }], audit: [audit(p, { event: 'certificate.issued', details: { serial: issuedCert.serial } })], issuedTokens: [], certificates: [issuedCert], onReplay: [] }], hashRecord);
      const [second] = await other.commitUnits(
        [{ claims: [{ key: `${p}-k`, expiresAt: T0 + 60_000 }], audit: [audit(p, { event: 'certificate.issued' })], issuedTokens: [], certificates: [replayedCert], onReplay: [audit(p, { event: 'certificate.denied', outcome: 'failure' })] }],
        hashRecord,
      );
      expect([first?.ok, second?.ok]).toEqual([true, false]);
      expect(await other.getCertificate(issuedCert.serial)).toEqual(issuedCert);
      expect(await store.getCertificate(replayedCert.serial)).toBeUndefined();
      const records = (await store.queryAudit({ agentId: p }, { limit: 10 })).items;
      expect(records.map((r) => r.event)).toEqual(['certificate.issued', 'certificate.denied']);
      expect(first?.ok && first.firstSeq).toBe(records[0]?.seq);
    });

    it('writes nothing at all when the batch fails, and the claims stay free', async () => {
      const p = prefix();
      const before = await readChain(store);
      const certificate = certificateRecord(p);
      const batch = [{ ...tokenUnit(p, `${p}-k1`, `${p}-dup`), certificates: [certificate] }, tokenUnit(p, `${p}-k2`, `${p}-dup`)];
      await expect(store.commitUnits(batch, hashRecord)).rejects.toThrow();
      expect(await readChain(store)).toEqual(before);
      expect(await store.getCertificate(certificate.serial)).toBeUndefined();
      const retry = await store.commitUnits([tokenUnit(p, `${p}-k1`, `${p}-j1`), tokenUnit(p, `${p}-k2`, `${p}-j2`)], hashRecord);
      expect(retry.map((r) => r.ok)).toEqual([true, true]);
      expect(retry[0]?.ok && retry[0].firstSeq).toBe((before.at(-1)?.seq ?? 0) + 1);
    });

    it('returns [] for an empty batch and writes nothing', async () => {
      const before = (await readChain(store)).length;
      expect(await store.commitUnits([], hashRecord)).toEqual([]);
      expect((await readChain(store)).length).toBe(before);
    });

    it('never forks or duplicates the chain when two stores commit concurrently', async () => {
      const p = prefix();
      const before = (await readChain(store)).length;
      const batches = Array.from({ length: 40 }, (_, b) =>
        Array.from({ length: 5 }, (_, u) => {
          const unit = tokenUnit(p, `${p}-k${b}-${u % 4}`, `${p}-j${b}-${u}`);
          // Every batch also races for one shared key: exactly one batch may win it.
          if (u === 0) unit.claims.push({ key: `${p}-shared`, expiresAt: T0 + 60_000 });
          return unit;
        }),
      );
      const results = await Promise.all(batches.map((batch, b) => (b % 2 === 0 ? store : other).commitUnits(batch, hashRecord)));
      const chain = await readChain(store);
      expect(chainDefects(chain)).toEqual([]);
      expect(chain.length - before).toBe(200);
      const firstSeqs = results.flat().flatMap((r) => (r.ok ? [r.firstSeq] : []));
      expect(new Set(firstSeqs).size).toBe(firstSeqs.length);
      expect(results.filter((r) => r[0]?.ok)).toHaveLength(1);
      for (const r of results) expect(r.map((x) => x.ok).slice(1)).toEqual([true, true, true, false]);
    });
  });
}
