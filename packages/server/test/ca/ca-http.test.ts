import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { until } from '../support/until.js';
import { openssl, opensslStatus, P256 } from './ca-harness.js';

const run = promisify(execFile);
const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const leafOf = (chain: string) => chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0] as string;

describe.each(BACKENDS)('CA over HTTP (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  let dir: string;
  let base: string;

  const token = async (who: TestAgent, scope: string, resource = ISSUER) => {
    const response = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(who, t.clock.now()), scope, resource }),
    });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { access_token: string }).access_token;
  };
  const csr = (name: string, keyArgs: readonly string[] = P256, extra: readonly string[] = []) => {
    openssl(['genpkey', ...keyArgs, '-out', `${name}.key`], { cwd: dir });
    return openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/CN=x', ...extra], { cwd: dir });
  };
  const verify = async (leafPem: string, ...options: string[]) => {
    await writeFile(join(dir, 'bundle.pem'), t.server.ca.trustBundle().roots.map((c) => c.toString()).join(''));
    await writeFile(join(dir, 'int.pem'), t.server.ca.trustBundle().intermediates.map((c) => c.toString()).join(''));
    await writeFile(join(dir, 'leaf.pem'), leafPem);
    return opensslStatus(['verify', '-attime', String(Math.floor(t.clock.now() / 1000)), '-CAfile', 'bundle.pem', '-untrusted', 'int.pem', ...options, 'leaf.pem'], dir);
  };

  beforeAll(async () => {
    t = await startTestServer(backend);
    agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:cert'] });
    dir = await mkdtemp(join(tmpdir(), 'agentauth-ca-http-'));
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.server.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('POST /ca/v1/certificates issues an SVID chain for a token with agentauth:cert and the issuer audience', async () => {
    const response = await t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', headers: { authorization: `Bearer ${await token(agent, 'agentauth:cert')}` }, payload: { csr: csr('json') } });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as { spiffe_id: string; serial: string; certificate_chain: string; expires_at: string };
    expect(body.spiffe_id).toBe(`spiffe://127.0.0.1/agent/${agent.id}`);
    expect(Date.parse(body.expires_at)).toBe(t.clock.now() + 3600_000);
    expect((await verify(leafOf(body.certificate_chain))).output).toBe('leaf.pem: OK\n');
    expect(new X509Certificate(leafOf(body.certificate_chain)).serialNumber.toLowerCase()).toBe(body.serial);
  });

  it('refuses without a token (401), with a token lacking the scope (403), and a bad CSR (400 invalid_csr)', async () => {
    const none = await t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', payload: { csr: csr('n') } });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('error="invalid_token"');
    const other = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:introspect'] });
    const noScope = await t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', headers: { authorization: `Bearer ${await token(other, 'agentauth:introspect')}` }, payload: { csr: csr('s') } });
    expect(noScope.statusCode).toBe(403);
    expect(noScope.json()).toMatchObject({ error: 'insufficient_scope' });
    const wrongAudience = await t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', headers: { authorization: `Bearer ${await token(agent, 'orders:read', 'https://api.example.com')}` }, payload: { csr: csr('a') } });
    expect(wrongAudience.statusCode).toBe(401);
    const weak = await t.server.app.inject({
      method: 'POST',
      url: '/ca/v1/certificates',
      headers: { authorization: `Bearer ${await token(agent, 'agentauth:cert')}` },
      payload: { csr: csr('weak', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']) },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toEqual({ error: 'invalid_csr', error_description: expect.stringContaining('2048'), csr_error: 'weak_key' });
  });

  it('serves the bundle as PEM and as a SPIFFE bundle, and the CRL as DER', async () => {
    const pemBundle = await fetch(`${base}/ca/v1/bundle.pem`);
    expect(pemBundle.headers.get('content-type')).toBe('application/x-pem-file');
    expect(await pemBundle.text()).toBe(t.server.ca.trustBundle().pem);
    const json = (await (await fetch(`${base}/ca/v1/bundle.json`)).json()) as { keys: { use: string; kty: string; x5c: string[] }[]; spiffe_refresh_hint: number };
    expect(json.keys).toHaveLength(1);
    expect(json.keys[0]).toMatchObject({ use: 'x509-svid', kty: 'EC', crv: 'P-256' });
    expect(new X509Certificate(Buffer.from(json.keys[0]?.x5c[0] as string, 'base64')).ca).toBe(true);
    const crl = await fetch(`${base}/ca/v1/crl`);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    await writeFile(join(dir, 'http.crl'), Buffer.from(await crl.arrayBuffer()));
    expect(openssl(['crl', '-inform', 'DER', '-in', 'http.crl', '-noout', '-issuer'], { cwd: dir })).toContain('agentauth issuing CA');
    expect((await fetch(`${base}/ca/v1/crl/${'ab'.repeat(20)}`)).status).toBe(404);
  });

  it('EST with curl: cacerts as certs-only PKCS#7, simpleenroll with a bearer token', async () => {
    const { stdout: cacerts } = await run('curl', ['-sS', '-D', 'cacerts.headers', `${base}/.well-known/est/cacerts`], { cwd: dir });
    expect(await readFile(join(dir, 'cacerts.headers'), 'utf8')).toMatch(/content-type: application\/pkcs7-mime\r\n/i);
    await writeFile(join(dir, 'cacerts.b64'), cacerts);
    openssl(['base64', '-d', '-in', 'cacerts.b64', '-out', 'cacerts.der'], { cwd: dir });
    const certs = openssl(['pkcs7', '-inform', 'DER', '-in', 'cacerts.der', '-print_certs', '-noout'], { cwd: dir });
    expect(certs).toContain('agentauth root CA');
    expect(certs).toContain('agentauth issuing CA');

    const csrPem = csr('est');
    const body = csrPem.replace(/-----[^-]+-----/g, '').trim();
    await writeFile(join(dir, 'est.b64'), body);
    const access = await token(agent, 'agentauth:cert');
    const { stdout } = await run('curl', ['-sS', '-o', 'est.p7', '-w', '%{http_code} %{content_type}', '-H', `Authorization: Bearer ${access}`, '-H', 'Content-Type: application/pkcs10', '--data-binary', '@est.b64', `${base}/.well-known/est/simpleenroll`], { cwd: dir });
    expect(stdout).toBe('200 application/pkcs7-mime; smime-type=certs-only');
    openssl(['base64', '-d', '-in', 'est.p7', '-out', 'est.der'], { cwd: dir });
    const leaf = openssl(['pkcs7', '-inform', 'DER', '-in', 'est.der', '-print_certs'], { cwd: dir });
    const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(leaf)?.[0] as string;
    expect(new X509Certificate(leafPem).subjectAltName).toBe(`URI:spiffe://127.0.0.1/agent/${agent.id}`);
    expect((await verify(leafPem)).output).toBe('leaf.pem: OK\n');

    const { stdout: refused } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Content-Type: application/pkcs10', '--data-binary', '@est.b64', `${base}/.well-known/est/simpleenroll`], { cwd: dir });
    expect(refused).toBe('401');
  });

  it('admin: issues for an agent, lists, revokes (openssl -crl_check then says revoked), and suspension revokes the rest', async () => {
    const issued = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/certificates`, headers: ADMIN, payload: { csr: csr('admin') } });
    expect(issued.statusCode, issued.body).toBe(201);
    const { serial, certificate_chain: chain, trust_bundle: bundle } = issued.json() as { serial: string; certificate_chain: string; trust_bundle: string };
    expect(bundle).toBe(t.server.ca.trustBundle().pem);
    const listed = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/certificates?agent_id=${agent.id}`, headers: ADMIN })).json() as { items: { serial: string; revoked_at: string | null }[] };
    expect(listed.items.map((c) => c.serial)).toContain(serial);
    expect(listed.items.length).toBeGreaterThanOrEqual(3);

    const colons = serial.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const revoked = await t.server.app.inject({ method: 'POST', url: `/admin/v1/certificates/${colons}/revoke`, headers: ADMIN });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toMatchObject({ serial, agent_id: agent.id, revoked_at: expect.any(String) });
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/certificates/${'0'.repeat(31)}1/revoke`, headers: ADMIN })).statusCode).toBe(404);

    const crl = await fetch(`${base}/ca/v1/crl`);
    await writeFile(join(dir, 'now.crl'), Buffer.from(await crl.arrayBuffer()));
    openssl(['crl', '-inform', 'DER', '-in', 'now.crl', '-out', 'now.crl.pem'], { cwd: dir });
    const result = await verify(leafOf(chain), '-crl_check', '-CRLfile', 'now.crl.pem');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('certificate revoked');

    const suspended = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: ADMIN });
    expect(suspended.statusCode).toBe(200);
    // The agent's certificates are revoked after the suspension answered: wait for it, with the
    // test's timeout as the only deadline.
    await until(async () => {
      const page = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/certificates?agent_id=${agent.id}`, headers: ADMIN })).json() as { items: { revoked_at: string | null }[] };
      return page.items.every((c) => c.revoked_at !== null);
    });
    await until(async () => {
      const audit = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?event=certificate.revoked&agent_id=${agent.id}`, headers: ADMIN })).json() as { items: { reason: string }[] };
      return audit.items.some((r) => r.reason === 'agent suspended');
    });
  });

  it('admin: shows each issuing CA\'s CRL: its number, dates and how many revoked certificates it lists', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/admin/v1/ca/crls', headers: ADMIN });
    expect(response.statusCode, response.body).toBe(200);
    const { items } = response.json() as { items: { ca_id: string; crl_number: number | null; this_update: string | null; next_update: string | null; revoked_certificates: number }[] };
    const active = (await t.server.app.inject({ method: 'GET', url: '/admin/v1/ca', headers: ADMIN })).json() as { active_id: string };
    expect(items[0]?.ca_id).toBe(active.active_id);
    // The earlier test revoked a certificate of the active CA, which reissued its CRL.
    expect(items[0]).toMatchObject({ crl_number: expect.any(Number), revoked_certificates: expect.any(Number) });
    expect(items[0]!.revoked_certificates).toBeGreaterThanOrEqual(1);
    expect(Date.parse(items[0]!.next_update ?? '') - Date.parse(items[0]!.this_update ?? '')).toBe(60 * 60_000);
  });

  it('admin: shows and rotates the CA', async () => {
    const shown = (await t.server.app.inject({ method: 'GET', url: '/admin/v1/ca', headers: ADMIN })).json() as { trust_domain: string; active_id: string; authorities: { kind: string; state: string }[] };
    expect(shown.trust_domain).toBe('127.0.0.1');
    const rotated = await t.server.app.inject({ method: 'POST', url: '/admin/v1/ca/rotate', headers: ADMIN });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const after = rotated.json() as { active_id: string; authorities: { kind: string; state: string }[] };
    expect(after.active_id).not.toBe(shown.active_id);
    expect(after.authorities.map((a) => `${a.kind}:${a.state}`).sort()).toEqual(['intermediate:active', 'intermediate:old', 'root:active']);
  });
});
