import type { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CaError } from '../../src/ca/ca-error.js';
import { caKeyAad } from '../../src/ca/ca-hierarchy.js';
import { openBox, SealedBoxError } from '../../src/keys/sealed-box.js';
import { MASTER_KEY, openssl, opensslStatus, P256, startCaHarness, type CaHarness } from './ca-harness.js';

const DAY = 86_400_000;
let h: CaHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const leafOf = (chain: string) => chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0] as string;

async function verify(harness: CaHarness, chainPem: string, anchors = harness.ca.trustBundle()): Promise<string> {
  await harness.file('v-root.pem', anchors.roots.map((c) => c.toString()).join(''));
  await harness.file('v-int.pem', anchors.intermediates.map((c) => c.toString()).join(''));
  await harness.file('v-leaf.pem', leafOf(chainPem));
  return opensslStatus(['verify', '-attime', String(Math.floor(harness.clock.now() / 1000)), '-CAfile', 'v-root.pem', '-untrusted', 'v-int.pem', 'v-leaf.pem'], harness.dir).output;
}

describe.each(['sqlite', 'postgres'] as const)('the CA hierarchy (%s)', (backend) => {
  it('is created once at first start, with the private keys sealed under the master key', async () => {
    h = await startCaHarness(backend);
    const second = h.node();
    await Promise.all([second.sync(), h.node().sync()]);
    const rows = await h.caStore.listAuthorities();
    expect(rows.map((r) => `${r.kind}:${r.state}`).sort()).toEqual(['intermediate:active', 'root:active']);
    expect(second.activeId()).toBe(h.ca.activeId());
    for (const row of rows) {
      const sealed = row.encryptedPrivateKey as string;
      expect(openBox(MASTER_KEY, caKeyAad(row.id), sealed).length).toBeGreaterThan(100);
      expect(() => openBox(Buffer.alloc(32, 1), caKeyAad(row.id), sealed)).toThrow(SealedBoxError);
      expect(sealed).not.toContain('PRIVATE');
    }
    const [root] = h.ca.trustBundle().roots;
    expect(root?.ca).toBe(true);
    expect(h.ca.trustBundle().intermediates[0]?.checkIssued(root as X509Certificate)).toBe(true);
  });

  it('prepares a successor at half life, activates it at five sixths, and keeps the old one in the bundle', async () => {
    h = await startCaHarness(backend);
    const agentId = await h.agent();
    const first = h.ca.activeId();
    const early = await h.ca.issueForAgent(agentId, h.csr('early', P256));

    h.clock.advance(16 * DAY);
    await h.ca.sync();
    expect((await h.caStore.listAuthorities()).filter((r) => r.kind === 'intermediate').map((r) => r.state).sort()).toEqual(['active', 'prepared']);
    expect(h.ca.activeId()).toBe(first);
    expect(h.ca.trustBundle().intermediates).toHaveLength(2);

    h.clock.advance(10 * DAY);
    const other = h.node();
    await Promise.all([h.ca.sync(), other.sync()]);
    expect(h.ca.activeId()).not.toBe(first);
    expect(other.activeId()).toBe(h.ca.activeId());
    const states = (await h.caStore.listAuthorities()).filter((r) => r.kind === 'intermediate').map((r) => r.state).sort();
    expect(states).toEqual(['active', 'old']);

    // Certificates of the old CA still verify against the bundle, and so do new ones.
    const renewed = await h.ca.issueForAgent(agentId, h.csr('renewed', P256));
    expect(await verify(h, renewed.chainPem)).toBe('v-leaf.pem: OK\n');
    h.clock.set(h.clock.now() - 26 * DAY + 30 * 60_000);
    expect(await verify(h, early.chainPem)).toBe('v-leaf.pem: OK\n');
    h.clock.advance(26 * DAY - 30 * 60_000);
    // The old CA keeps its CRL: a revocation of its certificate lands there.
    await h.ca.revoke(early.serial);
    expect(await h.caStore.getCrl(first as string)).toBeDefined();

    h.clock.advance(5 * DAY);
    await h.ca.sync();
    expect((await h.caStore.listAuthorities()).some((r) => r.id === first)).toBe(false);
    expect(h.ca.trustBundle().intermediates.map((c) => c.raw.toString('base64'))).toHaveLength(1);
  });
});

describe('leaf lifetime caps', () => {
  it('never outlives the issuing CA, and never exceeds 24 hours', async () => {
    h = await startCaHarness('sqlite', { certificateTtl: 10 * 86_400 });
    const agentId = await h.agent();
    const capped = await h.ca.issueForAgent(agentId, h.csr('cap', P256));
    expect(capped.notAfter - h.clock.now()).toBe(86_400_000);
    // Without a sync the active CA nears its end: the leaf stops with it.
    const caEnd = Date.parse(h.ca.trustBundle().intermediates[0]?.validTo as string);
    h.clock.set(caEnd - 10 * 60_000);
    const late = await h.ca.issueForAgent(agentId, h.csr('late', P256));
    expect(late.notAfter).toBe(caEnd);
    expect(await verify(h, late.chainPem)).toBe('v-leaf.pem: OK\n');
  });
});

describe('operator import', () => {
  function makeRoot(harness: CaHarness, name: string): void {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/O=Corp/CN=${name}`, '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { cwd: harness.dir });
  }
  const read = async (harness: CaHarness, name: string) => (await import('node:fs/promises')).readFile(`${harness.dir}/${name}`, 'utf8');

  it('imports a root with its key: a new issuing CA chains to it, and the old hierarchy stays until it expires', async () => {
    h = await startCaHarness('sqlite', {}, Date.now());
    makeRoot(h, 'corp-root');
    const agentId = await h.agent();
    const before = await h.ca.issueForAgent(agentId, h.csr('before', P256));
    h.clock.set(Date.now() + 2000);
    await h.ca.importCa({ certificatePem: await read(h, 'corp-root.pem'), privateKeyPem: await read(h, 'corp-root.key') }, { actor: 'admin:bootstrap' });
    const issued = await h.ca.issueForAgent(agentId, h.csr('after', P256));
    await h.file('leaf.pem', leafOf(issued.chainPem));
    await h.file('int.pem', issued.chainPem.slice(leafOf(issued.chainPem).length));
    expect(opensslStatus(['verify', '-CAfile', 'corp-root.pem', '-untrusted', 'int.pem', 'leaf.pem'], h.dir).output).toBe('leaf.pem: OK\n');
    expect(h.ca.trustBundle().roots).toHaveLength(2);
    expect(await verify(h, before.chainPem)).toBe('v-leaf.pem: OK\n');
    const imported = (await h.auditEvents()).filter((r) => r.event === 'ca.imported');
    expect(imported).toHaveLength(1);
    // The imported root has a key here, so the issuing CA under it rotates as usual.
    await h.ca.rotate();
    expect(await verify(h, (await h.ca.issueForAgent(agentId, h.csr('rotated', P256))).chainPem)).toBe('v-leaf.pem: OK\n');
  });

  it('imports an issuing CA signed by an external root; it cannot rotate without that root', async () => {
    h = await startCaHarness('sqlite', {}, Date.now());
    makeRoot(h, 'ext-root');
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ext-int.key', '-out', 'ext-int.csr', '-subj', '/O=Corp/CN=issuing'], { cwd: h.dir });
    await h.file('ext.cnf', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
    openssl(['x509', '-req', '-in', 'ext-int.csr', '-CA', 'ext-root.pem', '-CAkey', 'ext-root.key', '-CAcreateserial', '-days', '365', '-extfile', 'ext.cnf', '-out', 'ext-int.pem'], { cwd: h.dir });
    h.clock.set(Date.now() + 2000);
    await h.ca.importCa({ certificatePem: await read(h, 'ext-int.pem'), privateKeyPem: await read(h, 'ext-int.key'), rootCertificatePem: await read(h, 'ext-root.pem') });
    const agentId = await h.agent();
    const issued = await h.ca.issueForAgent(agentId, h.csr('ext', P256));
    await h.file('leaf.pem', leafOf(issued.chainPem));
    expect(opensslStatus(['verify', '-CAfile', 'ext-root.pem', '-untrusted', 'ext-int.pem', 'leaf.pem'], h.dir).output).toBe('leaf.pem: OK\n');
    await expect(h.ca.rotate()).rejects.toBeInstanceOf(CaError);
  });

  it('refuses a key that does not match, a leaf certificate, and an intermediate without its root', async () => {
    const harness = await startCaHarness('sqlite', {}, Date.now());
    h = harness;
    makeRoot(h, 'a');
    makeRoot(h, 'b');
    const refused = (input: Parameters<typeof harness.ca.importCa>[0]) => harness.ca.importCa(input).then(() => 'imported', (e: unknown) => (e instanceof CaError ? e.code : String(e)));
    expect(await refused({ certificatePem: await read(h, 'a.pem'), privateKeyPem: await read(h, 'b.key') })).toBe('invalid_import');
    const agentId = await h.agent();
    const leaf = leafOf((await h.ca.issueForAgent(agentId, h.csr('x', P256))).chainPem);
    expect(await refused({ certificatePem: leaf, privateKeyPem: await read(h, 'x.key') })).toBe('invalid_import');
    expect(await refused({ certificatePem: await read(h, 'a.pem'), privateKeyPem: 'not a key' })).toBe('invalid_import');
  });
});
