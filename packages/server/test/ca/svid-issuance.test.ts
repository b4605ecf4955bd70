import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaError } from '../../src/ca/ca-error.js';
import { CsrError } from '../../src/ca/certification-request.js';
import { openssl, opensslStatus, P256, startCaHarness, TRUST_DOMAIN, type CaHarness } from './ca-harness.js';

let h: CaHarness;
beforeAll(async () => {
  h = await startCaHarness();
});
afterAll(async () => {
  await h.close();
});

const leafOf = (chain: string) => chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0] as string;

/** Writes the bundle's roots and intermediates, and the leaf, for `openssl verify`. */
async function writeChain(name: string, chainPem: string): Promise<void> {
  const bundle = h.ca.trustBundle();
  await h.file('root.pem', bundle.roots.map((c) => c.toString()).join(''));
  await h.file('intermediates.pem', bundle.intermediates.map((c) => c.toString()).join(''));
  await h.file(name, leafOf(chainPem));
}

const verifyArgs = (leaf: string, ...options: string[]) => ['verify', '-attime', String(Math.floor(h.clock.now() / 1000)), '-CAfile', 'root.pem', '-untrusted', 'intermediates.pem', ...options, leaf];

describe('X.509-SVID issuance (SPIFFE X509-SVID profile, checked with openssl)', () => {
  let agentId: string;
  let text: string;
  let leaf: X509Certificate;
  let chain: string;

  beforeAll(async () => {
    agentId = await h.agent();
    // The CSR asks for things the template ignores: a subject, a DNS name, serverAuth, a long life.
    const csr = h.csr('svid', P256, ['-addext', 'subjectAltName=DNS:evil.example.com', '-addext', 'extendedKeyUsage=serverAuth', '-addext', 'keyUsage=keyEncipherment']);
    const issued = await h.ca.issueForAgent(agentId, csr);
    chain = issued.chainPem;
    await writeChain('svid.pem', chain);
    text = openssl(['x509', '-in', 'svid.pem', '-text', '-noout'], { cwd: h.dir });
    leaf = new X509Certificate(leafOf(chain));
  });

  it('chains to the root through the issuing CA: openssl verify says OK', () => {
    expect(opensslStatus(verifyArgs('svid.pem'), h.dir)).toEqual({ status: 0, output: 'svid.pem: OK\n' });
  });

  it('returns the chain leaf first, then the issuing CA', () => {
    const [first, second, ...rest] = chain.split(/(?<=-----END CERTIFICATE-----\n)/).filter((p) => p.trim() !== '');
    expect(rest).toEqual([]);
    expect(new X509Certificate(first as string).checkIssued(new X509Certificate(second as string))).toBe(true);
    expect(new X509Certificate(second as string).ca).toBe(true);
  });

  it('has exactly one URI SAN, and nothing else the CSR asked for', () => {
    expect(leaf.subjectAltName).toBe(`URI:spiffe://${TRUST_DOMAIN}/agent/${agentId}`);
    expect(text).not.toContain('evil.example.com');
  });

  it('uses the spiffe scheme, our trust domain and the /agent/<id> path', () => {
    const uri = new URL((leaf.subjectAltName as string).slice('URI:'.length));
    expect(uri.protocol).toBe('spiffe:');
    expect(uri.host).toBe(TRUST_DOMAIN);
    expect(uri.pathname).toBe(`/agent/${agentId}`);
    expect(uri.search + uri.hash + uri.username + uri.port).toBe('');
  });

  it('marks the SAN critical, since the subject is empty', () => {
    expect(text).toMatch(/X509v3 Subject Alternative Name: critical/);
    expect(text).toMatch(/\n\s+Subject: ?\n/);
  });

  it('is not a CA: basicConstraints CA:FALSE, critical', () => {
    expect(leaf.ca).toBe(false);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
  });

  it('has keyUsage digitalSignature only, critical (not what the CSR asked)', () => {
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
  });

  it('has extKeyUsage clientAuth only: no serverAuth unless the agent serves', () => {
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
  });

  it('names the CRL distribution point of its issuing CA, and AKI/SKI', () => {
    const ski = h.ca.activeId() as string;
    expect(text).toContain(`URI:https://auth.example.com/ca/v1/crl/${ski}`);
    expect(text.replaceAll(':', '').toLowerCase()).toContain(ski);
    expect(text).toMatch(/X509v3 Subject Key Identifier/);
  });

  it('lives one hour by default (backdated 30 s), with a random 128-bit serial', () => {
    expect(Date.parse(leaf.validTo)).toBe(h.clock.now() + 3600_000);
    expect(Date.parse(leaf.validFrom)).toBe(h.clock.now() - 30_000);
    expect(leaf.serialNumber).toMatch(/^[0-9A-F]{32}$/);
  });

  it('records and audits what it issued', async () => {
    const serial = leaf.serialNumber.toLowerCase();
    const stored = await h.caStore.getCertificate(serial);
    expect(stored).toMatchObject({ agentId, kind: 'agent', revokedAt: null, notAfter: Date.parse(leaf.validTo) });
    const audit = (await h.auditEvents()).filter((r) => r.event === 'certificate.issued' && r.details['serial'] === serial);
    expect(audit).toHaveLength(1);
  });

  it('adds serverAuth for an agent labelled agentauth/serves=true', async () => {
    const server = await h.agent({ 'agentauth/serves': 'true' });
    const issued = await h.ca.issueForAgent(server, h.csr('serves', P256));
    expect(new X509Certificate(leafOf(issued.chainPem)).keyUsage.sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  });

  it('accepts P-384, RSA 2048 and Ed25519 keys, and each verifies with openssl', async () => {
    const keys = [
      ['p384', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']],
      ['rsa2048', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
      ['ed25519', ['-algorithm', 'ED25519']],
    ] as const;
    for (const [name, args] of keys) {
      const issued = await h.ca.issueForAgent(agentId, h.csr(name, args));
      await writeChain(`${name}.pem`, issued.chainPem);
      expect(opensslStatus(verifyArgs(`${name}.pem`), h.dir).output, name).toBe(`${name}.pem: OK\n`);
    }
  });
});

describe('refusals (audited as certificate.denied)', () => {
  let agentId: string;
  beforeAll(async () => {
    agentId = await h.agent();
  });

  async function refusal(csr: string | Buffer): Promise<string> {
    const error = await h.ca.issueForAgent(agentId, csr).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CsrError);
    return (error as CsrError).code;
  }

  it('refuses an RSA 1024 key', async () => {
    expect(await refusal(h.csr('rsa1024', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']))).toBe('weak_key');
  });

  it('refuses a secp256k1 key', async () => {
    expect(await refusal(h.csr('k1', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']))).toBe('weak_key');
  });

  it('refuses two URI SANs', async () => {
    const id = `spiffe://${TRUST_DOMAIN}/agent/${agentId}`;
    expect(await refusal(h.csr('two', P256, ['-addext', `subjectAltName=URI:${id},URI:${id}x`]))).toBe('multiple_uri_sans');
  });

  it('refuses a SPIFFE ID of a foreign trust domain, and another agent of ours', async () => {
    expect(await refusal(h.csr('foreign', P256, ['-addext', `subjectAltName=URI:spiffe://evil.example.org/agent/${agentId}`]))).toBe('foreign_trust_domain');
    expect(await refusal(h.csr('other', P256, ['-addext', `subjectAltName=URI:spiffe://${TRUST_DOMAIN}/agent/agt_someoneelse`]))).toBe('identity_mismatch');
  });

  it('accepts a CSR that asks for exactly its own SPIFFE ID', async () => {
    const issued = await h.ca.issueForAgent(agentId, h.csr('own', P256, ['-addext', `subjectAltName=URI:spiffe://${TRUST_DOMAIN}/agent/${agentId}`]));
    expect(issued.spiffeId).toBe(`spiffe://${TRUST_DOMAIN}/agent/${agentId}`);
  });

  it('refuses a CA request (basicConstraints cA=true)', async () => {
    expect(await refusal(h.csr('ca', P256, ['-addext', 'basicConstraints=critical,CA:TRUE']))).toBe('ca_requested');
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const pemText = h.csr('badsig', P256);
    const der = Buffer.from(pemText.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] = (der[der.length - 5] as number) ^ 0x01;
    expect(await refusal(der)).toBe('bad_signature');
    // A CSR whose signature was made by another key than the one it carries: not proof of possession.
    const other = Buffer.from(h.csr('badsig2', P256).replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const swapped = Buffer.concat([der.subarray(0, der.length - 72), other.subarray(other.length - 72)]);
    expect(['bad_signature', 'malformed_csr']).toContain(await refusal(swapped));
  });

  it('refuses a CSR over 16 KiB, and garbage', async () => {
    const names = Array.from({ length: 700 }, (_, i) => `DNS:host-${i}.some-long-domain-name.example.com`).join(',');
    expect(await refusal(h.csr('big', P256, ['-addext', `subjectAltName=${names}`]))).toBe('csr_too_large');
    expect(await refusal('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n')).toBe('malformed_csr');
    expect(await refusal(Buffer.from([0x30, 0x80, 0, 0]))).toBe('malformed_csr');
  });

  it('refuses an agent that is not active', async () => {
    const suspended = await h.agent();
    await h.store.setAgentStatus(suspended, 'suspended', h.clock.now());
    await expect(h.ca.issueForAgent(suspended, h.csr('susp', P256))).rejects.toBeInstanceOf(CaError);
  });

  it('audits every refusal with its reason', async () => {
    const denied = (await h.auditEvents()).filter((r) => r.event === 'certificate.denied' && r.agentId === agentId);
    const reasons = denied.map((r) => (r.reason ?? '').split(':')[0]);
    for (const code of ['weak_key', 'multiple_uri_sans', 'foreign_trust_domain', 'identity_mismatch', 'ca_requested', 'bad_signature', 'csr_too_large', 'malformed_csr']) {
      expect(reasons, code).toContain(code);
    }
    expect(denied.every((r) => r.outcome === 'failure')).toBe(true);
  });
});

describe('revocation and the CRL (openssl verify -crl_check)', () => {
  it('reports a revoked certificate as revoked, and the CRL number grows', async () => {
    const agentId = await h.agent();
    const issued = await h.ca.issueForAgent(agentId, h.csr('rev', P256));
    await writeChain('rev.pem', issued.chainPem);
    const caId = h.ca.activeId() as string;
    const before = (await h.ca.crls.der(caId)) as Buffer;
    await h.file('crl-before.der', before);
    openssl(['crl', '-inform', 'DER', '-in', 'crl-before.der', '-out', 'crl-before.pem'], { cwd: h.dir });
    expect(opensslStatus(verifyArgs('rev.pem', '-crl_check', '-CRLfile', 'crl-before.pem'), h.dir)).toEqual({ status: 0, output: 'rev.pem: OK\n' });

    h.clock.advance(1000);
    expect(await h.ca.revoke(issued.serial, { actor: 'admin:bootstrap' })).toMatchObject({ serial: issued.serial, revokedAt: h.clock.now() });
    expect(await h.ca.isRevoked(issued.serial.toUpperCase().replace(/(..)(?!$)/g, '$1:'))).toBe(true);
    const after = (await h.ca.crls.der(caId)) as Buffer;
    await h.file('crl.der', after);
    const crlText = openssl(['crl', '-inform', 'DER', '-in', 'crl.der', '-text', '-noout'], { cwd: h.dir });
    expect(crlText).toContain(`Serial Number: ${issued.serial.toUpperCase()}`);
    const number = (t: string) => Number(/CRL Number: \n\s+(\d+)/.exec(t)?.[1]);
    expect(number(crlText)).toBeGreaterThan(number(openssl(['crl', '-inform', 'DER', '-in', 'crl-before.der', '-text', '-noout'], { cwd: h.dir })));
    expect(crlText).toMatch(/Next Update: /);

    openssl(['crl', '-inform', 'DER', '-in', 'crl.der', '-out', 'crl.pem'], { cwd: h.dir });
    const result = opensslStatus(verifyArgs('rev.pem', '-crl_check', '-CRLfile', 'crl.pem'), h.dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('certificate revoked');
    expect(h.events).toContainEqual({ kind: 'certificate_revoked', agentId, serial: issued.serial, at: h.clock.now() });
  });

  it('revokes every certificate of an agent that is suspended, and publishes each', async () => {
    const agentId = await h.agent();
    const serials = [];
    for (let i = 0; i < 3; i++) serials.push((await h.ca.issueForAgent(agentId, h.csr(`s${i}`, P256))).serial);
    const revoked = await h.ca.revokeAgent(agentId, 'agent suspended');
    expect(revoked.map((r) => r.serial).sort()).toEqual([...serials].sort());
    for (const serial of serials) expect(await h.ca.isRevoked(serial)).toBe(true);
    expect(h.events.filter((e) => e.kind === 'certificate_revoked' && e.agentId === agentId)).toHaveLength(3);
    const crl = (await h.ca.crls.der(h.ca.activeId() as string)) as Buffer;
    await h.file('crl2.der', crl);
    const crlText = openssl(['crl', '-inform', 'DER', '-in', 'crl2.der', '-text', '-noout'], { cwd: h.dir });
    for (const serial of serials) expect(crlText).toContain(serial.toUpperCase());
  });

  it('reissues a CRL at least every half hour even without revocations', async () => {
    const caId = h.ca.activeId() as string;
    const first = await h.caStore.getCrl(caId);
    h.clock.advance(31 * 60_000);
    await h.ca.crls.refreshAll([caId]);
    const second = await h.caStore.getCrl(caId);
    expect(second?.number).toBe((first?.number ?? 0) + 1);
    expect(second?.nextUpdate).toBe((second?.thisUpdate ?? 0) + 3600_000);
  });
});

describe('the trust bundle', () => {
  it('holds the root and the issuing CA, as openssl reads them', async () => {
    const bundle = h.ca.trustBundle();
    expect(bundle.roots).toHaveLength(1);
    expect(bundle.intermediates).toHaveLength(1);
    await h.file('bundle.pem', bundle.pem);
    const subjects = openssl(['crl2pkcs7', '-nocrl', '-certfile', 'bundle.pem'], { cwd: h.dir });
    const printed = openssl(['pkcs7', '-print_certs', '-noout'], { cwd: h.dir, input: subjects });
    expect(printed).toContain('agentauth root CA auth.example.com');
    expect(printed).toContain('agentauth issuing CA auth.example.com');
    expect(await readFile(join(h.dir, 'bundle.pem'), 'utf8')).toBe(bundle.pem);
  });
});
