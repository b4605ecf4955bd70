import { beforeEach, describe, expect, it } from 'vitest';
import type { CaAuthorityRecord, CrlRecord, IssuedCertificateRecord } from '../../../src/store/ports/ca-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, certificateRecord, chainDefects, hashRecord, prefix, readChain } from '../fixtures.js';

function authority(id: string, over: Partial<CaAuthorityRecord> = {}): CaAuthorityRecord {
  return { id, kind: 'intermediate', state: 'prepared', certificate: 'MIIB', encryptedPrivateKey: 'sealed', parentId: null, external: false, createdAt: T0, activatedAt: null, notAfter: T0 + 86_400_000, ...over };
}

/** The `CaStore` contract: the hierarchy under one lock, issued certificates, revocation, CRL numbers. */
export function caStoreContract(stores: () => ContractStores): void {
  describe('CaStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    /** Issued certificates are written by the commit log only. */
    const issue = async (...records: IssuedCertificateRecord[]) => {
      await store.commitUnits([{ claims: [], audit: [], issuedTokens: [], certificates: records, onReplay: [] }], hashRecord);
      return records;
    };
    const mine = (p: string, records: CaAuthorityRecord[]) => records.filter((r) => r.id.startsWith(p));

    it('applies a hierarchy plan under the lock: racing stores each see the other\u2019s, and a plan that fails changes nothing', async () => {
      const p = prefix();
      const root = authority(`${p}-root`, { kind: 'root', state: 'active', activatedAt: T0 });
      // Each plan adds an intermediate only if none of this test exists yet: exactly one may win.
      const plan = (current: CaAuthorityRecord[]) => ({ insert: mine(p, current).length > 1 ? [] : [authority(`${p}-${prefix()}`, { parentId: root.id })], update: [], remove: [], audit: [] });
      await store.mutateAuthorities(() => ({ insert: [root], update: [], remove: [], audit: [] }));
      await Promise.all([store, other, store, other].map((s) => s.mutateAuthorities(plan)));
      const after = mine(p, await other.listAuthorities());
      expect(after).toHaveLength(2);
      expect(after[0]).toEqual(root);
      const intermediate = after[1] as CaAuthorityRecord;

      await expect(store.mutateAuthorities(() => ({ insert: [authority(`${p}-new`)], update: [authority(`${p}-ghost`)], remove: [], audit: [] }))).rejects.toThrow();
      expect(mine(p, await store.listAuthorities())).toEqual(after);
      const activated = { ...intermediate, state: 'active' as const, activatedAt: T0 + 1 };
      const result = await other.mutateAuthorities(() => ({ insert: [], update: [activated], remove: [root.id], audit: [] }));
      expect(mine(p, result)).toEqual([activated]);
    });

    it('writes a hierarchy plan\u2019s audit records in its transaction; a record that cannot be written leaves the CAs as they were', async () => {
      const p = prefix();
      const root = authority(`${p}-root`, { kind: 'root', state: 'active', activatedAt: T0 });
      await store.mutateAuthorities(() => ({ insert: [root], update: [], remove: [], audit: [audit(null, { event: 'ca.created', details: { ca_id: root.id, kind: 'root' } })] }));
      const chain = await readChain(other);
      expect(chainDefects(chain)).toEqual([]);
      expect(chain.filter((r) => r.details['ca_id'] === root.id).map((r) => r.event)).toEqual(['ca.created']);

      const refused = audit(null, { event: 'ca.lost' as never, details: { ca_id: `${p}-next` } });
      await expect(store.mutateAuthorities(() => ({ insert: [authority(`${p}-next`, { parentId: root.id })], update: [{ ...root, state: 'old' }], remove: [], audit: [refused] }))).rejects.toThrow(TypeError);
      expect(mine(p, await other.listAuthorities())).toEqual([root]);
      expect(await readChain(other)).toEqual(chain);
    });

    it('writes a certificate revocation\u2019s audit records in its transaction; a record that cannot be written revokes nothing', async () => {
      const p = prefix();
      const [one, two, three] = await issue(certificateRecord(`${p}-a`), certificateRecord(`${p}-a`), certificateRecord(`${p}-b`));
      const records = (revoked: readonly IssuedCertificateRecord[]) => revoked.map((r) => audit(r.agentId, { event: 'certificate.revoked', details: { serial: r.serial } }));
      await store.revokeCertificate(one!.serial, T0 + 5, records);
      // Already revoked: nothing changes, nothing is recorded.
      await other.revokeCertificate(one!.serial, T0 + 6, records);
      await store.revokeAgentCertificates(`${p}-a`, T0 + 7, records);
      const serials = (await readChain(other)).filter((r) => r.event === 'certificate.revoked' && String(r.agentId).startsWith(p)).map((r) => r.details['serial']);
      expect(serials).toEqual([one!.serial, two!.serial]);

      const refuse = () => [audit(null, { event: 'certificate.lost' as never })];
      await expect(store.revokeCertificate(three!.serial, T0 + 8, refuse)).rejects.toThrow(TypeError);
      await expect(store.revokeAgentCertificates(`${p}-b`, T0 + 8, refuse)).rejects.toThrow(TypeError);
      expect((await other.getCertificate(three!.serial))?.revokedAt).toBeNull();
    });

    it('lists certificates newest first, of one agent or all, with an exact cursor', async () => {
      const p = prefix();
      const [a1, a2, b1] = await issue(
        certificateRecord(`${p}-a`, { issuedAt: T0 + 1 }),
        certificateRecord(`${p}-a`, { issuedAt: T0 + 2 }),
        certificateRecord(`${p}-b`, { issuedAt: T0 + 3 }),
      );
      expect(await other.getCertificate(a1!.serial)).toEqual(a1);
      expect(await store.getCertificate('ffff0000')).toBeUndefined();
      expect(await store.listCertificates({ agentId: `${p}-a` }, { limit: 10 })).toEqual({ items: [a2, a1] });
      const first = await store.listCertificates({ agentId: `${p}-a` }, { limit: 1 });
      expect(first.items).toEqual([a2]);
      expect(await other.listCertificates({ agentId: `${p}-a` }, { limit: 1, after: first.next as string })).toEqual({ items: [a1] });
      expect((await store.listCertificates({}, { limit: 1000 })).items.filter((c) => c.agentId?.startsWith(p))).toEqual([b1, a2, a1]);
      await expect(store.listCertificates({}, { limit: 1, after: 'not-a-cursor' })).rejects.toBeInstanceOf(RangeError);
    });

    it('revokes a certificate once, in one conditional write that alone moves the revocation counter', async () => {
      const p = prefix();
      const [certificate] = await issue(certificateRecord(`${p}-a`));
      const before = await store.revocationsChangeCounter();
      const results = await Promise.all([store.revokeCertificate(certificate!.serial, T0 + 5), other.revokeCertificate(certificate!.serial, T0 + 5)]);
      expect(results.map((r) => r?.changed).sort()).toEqual([false, true]);
      for (const r of results) expect(r?.record).toEqual({ ...certificate, revokedAt: T0 + 5 });
      const counter = await other.revocationsChangeCounter();
      expect(counter).toBeGreaterThan(before);
      expect(await store.revokeCertificate(certificate!.serial, T0 + 6)).toEqual({ record: { ...certificate, revokedAt: T0 + 5 }, changed: false });
      expect(await store.revokeCertificate('ffff0001', T0)).toBeUndefined();
      expect(await store.revocationsChangeCounter()).toBe(counter);
    });

    it('revokes an agent\u2019s live certificates at once, and lists what every CRL must hold', async () => {
      const p = prefix();
      const now = T0 + 1_000;
      const ca = `${p}-ca`;
      const [live, expired, otherAgent, server] = await issue(
        certificateRecord(`${p}-a`, { caId: ca }),
        certificateRecord(`${p}-a`, { caId: ca, notAfter: now - 1 }),
        certificateRecord(`${p}-b`, { caId: ca }),
        certificateRecord(null, { caId: ca }),
      );
      expect(await other.revokeAgentCertificates(`${p}-a`, now)).toEqual([{ ...live, revokedAt: now }]);
      expect(await store.revokeAgentCertificates(`${p}-a`, now + 1)).toEqual([]);
      await store.revokeCertificate(server!.serial, now);
      const revoked = (await store.listRevokedSerials()).filter((r) => [live, expired, otherAgent, server].some((c) => c!.serial === r.serial));
      expect(revoked.sort((x, y) => x.serial.localeCompare(y.serial))).toEqual([live, server].map((c) => ({ serial: c!.serial, notAfter: c!.notAfter })).sort((x, y) => x.serial.localeCompare(y.serial)));
      expect((await other.listRevokedCertificates(ca, now)).map((c) => c.serial).sort()).toEqual([live!.serial, server!.serial].sort());
      expect(await store.listRevokedCertificates(ca, T0 + 3_600_001)).toEqual([]);
    });

    it('prunes the certificates that expired before the given time', async () => {
      const p = prefix();
      const at = T0 + 90_000_000;
      const [old, live] = await issue(certificateRecord(`${p}-a`, { notAfter: at - 1 }), certificateRecord(`${p}-a`, { notAfter: at }));
      expect(await store.pruneCertificates(at)).toBeGreaterThanOrEqual(1);
      expect(await store.getCertificate(old!.serial)).toBeUndefined();
      expect(await store.getCertificate(live!.serial)).toEqual(live);
    });

    it('numbers a CA\u2019s CRLs in order under the lock, and skips one another store has just issued', async () => {
      const p = prefix();
      const ca = `${p}-ca`;
      const crl = (number: number): CrlRecord => ({ caId: ca, number, thisUpdate: T0 + number, nextUpdate: T0 + 3_600_000, der: `der-${number}` });
      expect(await store.getCrl(ca)).toBeUndefined();
      // Both want a CRL while none exists: the second sees the first's and issues none.
      const issued = await Promise.all([store, other].map((s) => s.issueCrl(ca, (current) => current === undefined, crl)));
      expect(issued.filter((c) => c !== undefined)).toEqual([crl(1)]);
      expect(await other.getCrl(ca)).toEqual(crl(1));
      expect(await store.issueCrl(ca, () => true, crl)).toEqual(crl(2));
      expect(await other.getCrl(ca)).toEqual(crl(2));
    });
  });
}
