import { execFile } from 'node:child_process';
import { createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_POLL_MS } from '../../src/main/wire-ca.js';
import { openStore } from '../../src/store/sql/open-store.js';
import type { AuditRecord } from '../../src/store/records.js';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, startTestServer, type TestServer } from '../support/test-server.js';
import { until } from '../support/until.js';
import { TestPki } from '../oauth/mtls/pki.js';
import { openssl, opensslStatus, P256 } from './ca-harness.js';

const run = promisify(execFile);
const leafOf = (chain: string) => chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0] as string;
const spki = (key: KeyObject | string) => (key instanceof KeyObject ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' }).toString('base64');

/** An agent's key and certificate files in `dir`: what an agent holds between renewals. */
interface Held {
  certFile: string;
  keyFile: string;
  serial: string;
}

describe.each(BACKENDS)('renewal over mutual TLS: POST /ca/v1/certificates and EST simplereenroll (%s)', (backend) => {
  const pki = new TestPki();
  let t: TestServer;
  let dir: string;
  let base: string;
  let outputs = 0;

  beforeAll(async () => {
    t = await startTestServer(backend, { AGENTAUTH_MTLS_PORT: '8443' });
    base = `https://127.0.0.1:${(await t.server.mtls!.listen({ port: 0 })).port}`;
    dir = await mkdtemp(join(tmpdir(), 'agentauth-renewal-'));
    await writeFile(join(dir, 'bundle.pem'), t.server.ca.trustBundle().pem);
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
    pki.remove();
  });

  const spiffeId = (agentId: string) => `spiffe://${t.server.ca.trustDomain}/agent/${agentId}`;
  /** A fresh P-256 key and a CSR for it made by `openssl req` (PEM). */
  const csr = (name: string, reqArgs: readonly string[] = ['-subj', '/CN=ignored']) => {
    openssl(['genpkey', ...P256, '-out', `${name}.key`], { cwd: dir });
    return openssl(['req', '-new', '-key', `${name}.key`, ...reqArgs], { cwd: dir });
  };
  /** The certificate an agent got earlier (e.g. with a bearer token), as files. */
  const holds = async (name: string, agentId: string): Promise<Held> => {
    const issued = await t.server.ca.issueForAgent(agentId, csr(name, ['-subj', '/', '-addext', `subjectAltName=URI:${spiffeId(agentId)}`]));
    await writeFile(join(dir, `${name}.pem`), issued.chainPem);
    return { certFile: `${name}.pem`, keyFile: `${name}.key`, serial: issued.serial };
  };
  /** curl against the mutual-TLS listener, trusting only our bundle; `held` adds --cert/--key. */
  const curl = async (path: string, held: Held | undefined, args: readonly string[]) => {
    const out = `out-${++outputs}`;
    const identity = held === undefined ? [] : ['--cert', held.certFile, '--key', held.keyFile];
    const { stdout } = await run('curl', ['-sS', '--cacert', 'bundle.pem', ...identity, '-o', out, '-w', '%{http_code} %{content_type}', ...args, `${base}${path}`], { cwd: dir });
    const [status, ...type] = stdout.split(' ');
    return { status: Number(status), contentType: type.join(' '), body: await readFile(join(dir, out), 'utf8') };
  };
  const renewJson = async (held: Held | undefined, csrPem: string) => {
    await writeFile(join(dir, 'body.json'), JSON.stringify({ csr: csrPem }));
    const response = await curl('/ca/v1/certificates', held, ['--json', '@body.json']);
    return { ...response, json: JSON.parse(response.body) as Record<string, string> };
  };
  const reenroll = async (held: Held | undefined, csrPem: string) => {
    await writeFile(join(dir, 'csr.b64'), csrPem.replace(/-----[^-]+-----/g, '').trim());
    return curl('/.well-known/est/simplereenroll', held, ['--data-binary', '@csr.b64', '-H', 'content-type: application/pkcs10']);
  };
  const verify = async (leafPem: string) => {
    await writeFile(join(dir, 'leaf.pem'), leafPem);
    return opensslStatus(['verify', '-attime', String(Math.floor(t.clock.now() / 1000)), '-CAfile', 'bundle.pem', '-untrusted', 'bundle.pem', 'leaf.pem'], dir).output;
  };
  const audits = async (event: string, agentId?: string): Promise<AuditRecord[]> => (await t.server.deps.store.queryAudit({ event, ...(agentId === undefined ? {} : { agentId }) }, { limit: 1000 })).items;

  it('renews with the current certificate and no token (curl --cert), for a new key, and the new certificate renews in turn', async () => {
    const agent = await createAgent(t.server);
    const current = await holds('current', agent.id);
    const rotatedCsr = csr('rotated');
    const renewed = await renewJson(current, rotatedCsr);
    expect(renewed.status, renewed.body).toBe(201);
    expect(renewed.json['spiffe_id']).toBe(spiffeId(agent.id));
    expect(renewed.json['serial']).not.toBe(current.serial);
    const leaf = new X509Certificate(leafOf(renewed.json['certificate_chain'] as string));
    expect(leaf.subjectAltName).toBe(`URI:${spiffeId(agent.id)}`);
    // Key rotation: the new certificate carries the CSR's new key, not the one that authenticated.
    expect(spki(leaf.publicKey)).toBe(spki(await readFile(join(dir, 'rotated.key'), 'utf8')));
    expect(spki(leaf.publicKey)).not.toBe(spki(await readFile(join(dir, 'current.key'), 'utf8')));
    expect(await verify(leaf.toString())).toBe('leaf.pem: OK\n');
    const issued = (await audits('certificate.issued', agent.id)).find((r) => r.details['serial'] === renewed.json['serial']);
    expect(issued).toMatchObject({ actor: `agent:${agent.id}`, details: { renewed_serial: current.serial } });

    await writeFile(join(dir, 'rotated.pem'), renewed.json['certificate_chain'] as string);
    const again = await renewJson({ certFile: 'rotated.pem', keyFile: 'rotated.key', serial: renewed.json['serial'] as string }, csr('rotated2'));
    expect(again.status, again.body).toBe(201);
  });

  it('re-enrolls over EST (RFC 7030 §4.2.2) with a CSR naming the same identity, answering certs-only PKCS#7', async () => {
    const agent = await createAgent(t.server);
    const current = await holds('est-current', agent.id);
    const response = await reenroll(current, csr('est-new', ['-subj', '/', '-addext', `subjectAltName=URI:${spiffeId(agent.id)}`]));
    expect(response.status, response.body).toBe(200);
    expect(response.contentType).toBe('application/pkcs7-mime; smime-type=certs-only');
    await writeFile(join(dir, 'reenroll.b64'), response.body);
    openssl(['base64', '-d', '-in', 'reenroll.b64', '-out', 'reenroll.der'], { cwd: dir });
    const printed = openssl(['pkcs7', '-inform', 'DER', '-in', 'reenroll.der', '-print_certs'], { cwd: dir });
    const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(printed)?.[0] as string;
    const leaf = new X509Certificate(leafPem);
    expect(leaf.subjectAltName).toBe(`URI:${spiffeId(agent.id)}`);
    // The empty subject of the template (Node reports it as undefined).
    expect([undefined, '']).toContain(leaf.subject);
    expect(spki(leaf.publicKey)).toBe(spki(await readFile(join(dir, 'est-new.key'), 'utf8')));
    expect(await verify(leafPem)).toBe('leaf.pem: OK\n');
  });

  it('refuses a re-enrollment CSR whose subject or subjectAltName is not the current certificate’s, and audits why', async () => {
    const agent = await createAgent(t.server);
    const other = await createAgent(t.server);
    const current = await holds('mismatch-current', agent.id);
    const another = await reenroll(current, csr('another', ['-subj', '/', '-addext', `subjectAltName=URI:${spiffeId(other.id)}`]));
    expect([another.status, another.body.split(':')[0]]).toEqual([400, 'identity_mismatch']);
    const subject = await reenroll(current, csr('subject', ['-subj', '/CN=someone-else', '-addext', `subjectAltName=URI:${spiffeId(agent.id)}`]));
    expect([subject.status, subject.body.split(':')[0]]).toEqual([400, 'identity_changed']);
    const noSan = await reenroll(current, csr('no-san', ['-subj', '/']));
    expect([noSan.status, noSan.body.split(':')[0]]).toEqual([400, 'identity_changed']);
    const extra = await reenroll(current, csr('extra', ['-subj', '/', '-addext', `subjectAltName=URI:${spiffeId(agent.id)},DNS:evil.example`]));
    expect([extra.status, extra.body.split(':')[0]]).toEqual([400, 'identity_changed']);
    const denied = await audits('certificate.denied', agent.id);
    expect(denied.map((r) => r.reason?.split(':')[0])).toEqual(expect.arrayContaining(['identity_mismatch', 'identity_changed']));
    expect(denied.find((r) => r.reason?.startsWith('identity_changed'))).toMatchObject({ details: { renewed_serial: current.serial } });
    expect(await audits('certificate.issued', other.id)).toEqual([]);
  });

  it('refuses without a certificate: JSON answers the bearer refusal (401), EST simplereenroll 403, even with a valid token', async () => {
    const none = await renewJson(undefined, csr('anonymous'));
    expect([none.status, none.json['error']]).toEqual([401, 'invalid_token']);
    const est = await reenroll(undefined, csr('anonymous-est', ['-subj', '/']));
    expect(est.status).toBe(403);
    expect(est.contentType).toBe('text/plain; charset=utf-8');
    // Over plain HTTP (no trusted proxy configured) there is no client certificate at all.
    const plain = await t.server.app.inject({ method: 'POST', url: '/.well-known/est/simplereenroll', headers: { 'content-type': 'application/pkcs10' }, payload: 'AAAA' });
    expect(plain.statusCode).toBe(403);
  });

  it('refuses a revoked certificate at once, and the certificate of a suspended agent', async () => {
    const agent = await createAgent(t.server);
    const held = await holds('to-revoke', agent.id);
    await t.server.ca.revoke(held.serial);
    const revoked = await renewJson(held, csr('after-revoke'));
    expect([revoked.status, revoked.json['error']]).toEqual([401, 'invalid_client']);
    expect(revoked.json['error_description']).toBe('a valid, unrevoked certificate of an active agent, issued by this CA, is required');
    expect((await reenroll(held, csr('after-revoke-est', ['-subj', '/', '-addext', `subjectAltName=URI:${spiffeId(agent.id)}`]))).status).toBe(403);
    const denied = await audits('certificate.denied', agent.id);
    expect(denied.map((r) => r.reason)).toContain(`invalid_client: the client certificate ${held.serial} is revoked`);

    const suspended = await createAgent(t.server);
    const theirs = await holds('suspended', suspended.id);
    const suspend = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${suspended.id}/suspend`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(suspend.statusCode).toBe(200);
    const refused = await renewJson(theirs, csr('suspended-new'));
    expect([refused.status, refused.json['error']]).toEqual([401, 'invalid_client']);
    // Suspension also revokes its certificates (asynchronously): either check may refuse first.
    expect((await audits('certificate.denied', suspended.id)).at(-1)?.reason).toMatch(/is suspended|is revoked/);
  });

  it('refuses an expired certificate (frozen clock moved past notAfter)', async () => {
    const agent = await createAgent(t.server);
    const held = await holds('to-expire', agent.id);
    const start = t.clock.now();
    t.clock.advance(3_600_000 + 1000);
    try {
      const expired = await renewJson(held, csr('after-expiry'));
      expect([expired.status, expired.json['error']]).toEqual([401, 'invalid_client']);
      // Refused before the certificate is trusted, so the record names no agent.
      expect((await audits('certificate.denied')).at(-1)).toMatchObject({ agentId: null, reason: expect.stringContaining('expired') });
    } finally {
      t.clock.set(start);
    }
  });

  it('refuses a certificate from a foreign chain that claims the agent’s SPIFFE ID', async () => {
    const agent = await createAgent(t.server);
    const root = pki.selfSigned('foreign-root', '/CN=Foreign Root', { ca: true });
    const intermediate = pki.intermediate('foreign-int', root, '/CN=Foreign Issuing');
    const leaf = pki.client('foreign-leaf', intermediate, '/CN=impostor', `URI:${spiffeId(agent.id)}`);
    await writeFile(join(dir, 'foreign.pem'), leaf.pem + intermediate.pem);
    await writeFile(join(dir, 'foreign.key'), leaf.keyPem);
    // openssl dates certificates by the real clock: make sure the server's is not behind it.
    t.clock.set(Math.max(t.clock.now(), Date.now() + 1000));
    const refused = await renewJson({ certFile: 'foreign.pem', keyFile: 'foreign.key', serial: '' }, csr('foreign-new'));
    expect([refused.status, refused.json['error']]).toEqual([401, 'invalid_client']);
    expect((await audits('certificate.denied')).at(-1)).toMatchObject({ agentId: null, reason: expect.stringContaining('does not chain to a trusted anchor') });
    expect(await audits('certificate.issued', agent.id)).toEqual([]);
  });

  it('tls_client_auth refuses a certificate revoked on this node at once, and one revoked by another node within the poll interval', async () => {
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/admin/v1/agents',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
      payload: { name: 'mtls agent', owner: 'team', resources: ['https://api.example.com'], token_endpoint_auth_method: 'tls_client_auth' },
    });
    const agentId = created.json().agent.id as string;
    const token = (held: Held) => curl('/token', held, ['-d', 'grant_type=client_credentials', '-d', `client_id=${agentId}`]);
    const here = await holds('tca-here', agentId);
    expect((await token(here)).status).toBe(200);
    await t.server.ca.revoke(here.serial);
    expect((await token(here)).status).toBe(401);

    // Another node: its own store over the same database revokes (no event reaches this node).
    const config = t.server.deps.config;
    const otherNode = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false, logger: pino({ level: 'silent' }) });
    try {
      const there = await holds('tca-there', agentId);
      expect((await token(there)).status).toBe(200);
      await otherNode.revokeCertificate(there.serial, t.clock.now());
      // Only this node's own revocation poll can tell it (the test polls nothing), every second.
      expect(REVOCATION_POLL_MS).toBeLessThanOrEqual(1_000);
      await until(async () => (await token(there)).status === 401, 100);
    } finally {
      await otherNode.close();
    }
  });
});

describe('renewal behind a trusted TLS-terminating proxy (RFC 8705 §6.5)', () => {
  let t: TestServer;
  let dir: string;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_MTLS_PORT: '0', AGENTAUTH_MTLS_PROXY_HEADER: 'ssl-client-cert', AGENTAUTH_MTLS_TRUSTED_PROXIES: '10.0.0.0/24' });
    dir = await mkdtemp(join(tmpdir(), 'agentauth-renewal-proxy-'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('honours the forwarded certificate from a trusted proxy only; from anyone else the header is ignored', async () => {
    const agent = await createAgent(t.server);
    const newCsr = (name: string) => {
      openssl(['genpkey', ...P256, '-out', `${name}.key`], { cwd: dir });
      return openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/'], { cwd: dir });
    };
    const issued = await t.server.ca.issueForAgent(agent.id, newCsr('proxied'));
    const header = { 'ssl-client-cert': encodeURIComponent(leafOf(issued.chainPem)) };
    const renew = (remoteAddress: string) => t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', remoteAddress, headers: header, payload: { csr: newCsr('next') } });
    const trusted = await renew('10.0.0.7');
    expect(trusted.statusCode, trusted.body).toBe(201);
    expect(trusted.json().spiffe_id).toBe(`spiffe://${t.server.ca.trustDomain}/agent/${agent.id}`);
    const untrusted = await renew('192.0.2.9');
    expect([untrusted.statusCode, untrusted.json().error]).toEqual([401, 'invalid_token']);
  });
});
