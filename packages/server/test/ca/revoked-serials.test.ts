import { afterEach, describe, expect, it } from 'vitest';
import { REVOKED_RETENTION_MS, RevokedSerials } from '../../src/ca/revoked-serials.js';
import { P256, startCaHarness, type CaHarness } from './ca-harness.js';

describe.each(['sqlite', 'postgres'] as const)('revoked serials in memory (%s)', (backend) => {
  let h: CaHarness;
  afterEach(async () => h?.close());

  const issue = async (name: string) => (await h.ca.issueForAgent(await h.agent(), h.csr(name, P256))).serial;

  it('answers from memory after a poll, learns another writer’s revocation only by polling, and keeps local additions', async () => {
    h = await startCaHarness(backend);
    const serials = new RevokedSerials(h.caStore, () => h.clock.now());
    const [a, b, c, d] = [await issue('a'), await issue('b'), await issue('c'), await issue('d')];
    // Not loaded yet: the caller must ask the database.
    expect(serials.has(a)).toBeUndefined();
    await h.caStore.revokeCertificate(a, h.clock.now());
    await serials.poll();
    expect([serials.has(a), serials.has(b)]).toEqual([true, false]);

    // Another node revokes b in the database: this set hears of it at the next poll, and not
    // before (the answer came from memory, not from the database).
    const otherNode = h.store;
    await otherNode.revokeCertificate(b, h.clock.now());
    expect(serials.has(b)).toBe(false);
    await serials.poll();
    expect(serials.has(b)).toBe(true);

    // A revocation this node wrote counts at once, and a reload never drops it.
    serials.add(c, h.clock.now() + 3_600_000);
    expect(serials.has(c)).toBe(true);
    await otherNode.revokeCertificate(d, h.clock.now());
    await serials.poll();
    expect([serials.has(c), serials.has(d)]).toEqual([true, true]);
  });

  it('bumps the change counter only when a revocation changed something', async () => {
    h = await startCaHarness(backend);
    const serial = await issue('d');
    const before = await h.caStore.revocationsChangeCounter();
    await h.caStore.revokeCertificate(serial, h.clock.now());
    const after = await h.caStore.revocationsChangeCounter();
    expect(after).toBe(before + 1);
    await h.caStore.revokeCertificate(serial, h.clock.now());
    await h.caStore.revokeAgentCertificates('agt_nobody', h.clock.now());
    expect(await h.caStore.revocationsChangeCounter()).toBe(after);
    expect(await h.caStore.listRevokedSerials()).toEqual([{ serial, notAfter: h.clock.now() + 3_600_000 }]);
  });

  it('forgets serials a day after their certificate expired, and says "unknown" once the store cannot be polled', async () => {
    h = await startCaHarness(backend);
    const serials = new RevokedSerials(h.caStore, () => h.clock.now());
    const serial = await issue('e');
    await h.ca.revoke(serial);
    await serials.poll();
    expect(serials.has(serial)).toBe(true);
    h.clock.advance(3_600_000 + REVOKED_RETENTION_MS + 1);
    await serials.poll();
    expect(serials.has(serial)).toBe(false);

    const broken = new RevokedSerials({ revocationsChangeCounter: () => Promise.reject(new Error('database unreachable')), listRevokedSerials: () => Promise.resolve([]) }, () => h.clock.now());
    await expect(broken.poll()).rejects.toThrow('database unreachable');
    expect(broken.has(serial)).toBeUndefined();
  });

  it('CertificateAuthority.isRevoked refuses a certificate revoked on this node at once, without waiting for a poll', async () => {
    h = await startCaHarness(backend);
    const stop = h.ca.start({ syncMs: 3_600_000, crlMs: 3_600_000, revocationPollMs: 3_600_000 });
    try {
      const serial = await issue('f');
      await h.ca.pollRevocations();
      await h.ca.revoke(serial);
      expect(await h.ca.isRevoked(serial)).toBe(true);
      // A revocation by another node is only seen at the next poll, which is an hour away here.
      const other = await issue('g');
      await h.store.revokeCertificate(other, h.clock.now());
      expect(await h.ca.isRevoked(other)).toBe(false);
    } finally {
      stop();
    }
  });
});
