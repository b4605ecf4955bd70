import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '@agentauth/resource-server';
import { nodeAgentAuth } from '@agentauth/resource-server/node';
import { freePort } from '../../cli/test/helpers/server-process.js';
import { createAgent, memoryKeyStore, OAuthClientError, type Agent } from '../src/index.js';
import { createCsr } from '../src/lib/csr.js';
import { CertificateRenewalError, startCertificateManager, type CertificateManager } from '../src/node.js';
import { startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';

let server: AgentAuthProcess;
let mtlsPort: number;
beforeAll(async () => {
  mtlsPort = await freePort();
  server = await startAgentAuth({ AGENTAUTH_MTLS_PORT: String(mtlsPort), AGENTAUTH_CERTIFICATE_TTL: '120' });
});
afterAll(async () => {
  await server?.close();
});

/** POSTs a fresh CSR to the mTLS listener through `agent`: 201 only if it presented a valid certificate. */
async function renewThrough(manager: CertificateManager): Promise<number> {
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const payload = JSON.stringify({ csr: await createCsr(keyPair) });
  return new Promise((resolve, reject) => {
    const req = request(`https://127.0.0.1:${mtlsPort}/ca/v1/certificates`, { method: 'POST', agent: manager.httpsAgent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('certificates against a real server with its mTLS listener', () => {
  let agent: Agent;
  let agentId: string;
  let now = Date.now();
  let manager: CertificateManager;
  beforeAll(async () => {
    agentId = await server.createAgent({ scopes: ['orders:read', 'agentauth:cert'], resources: [server.issuer, 'https://api.example.com'] });
    agent = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId) });
    manager = await startCertificateManager(agent, { autoRenew: false, now: () => now, mtlsUrl: `https://127.0.0.1:${mtlsPort}` });
  });
  afterAll(() => manager?.close());

  it("obtains a first certificate with the agent's key and a CSR made locally, naming the agent", () => {
    expect(manager.lastMethod).toBe('key');
    expect(manager.current.spiffeId).toBe(`spiffe://127.0.0.1/agent/${agentId}`);
    expect(manager.current.notAfter - manager.current.notBefore).toBe(150_000); // 120 s + 30 s backdating
    expect(manager.current.renewAt).toBe(manager.current.notBefore + 100_000);
  });

  it('renews over mutual TLS at two thirds of the lifetime, on a frozen clock', async () => {
    const first = manager.current;
    now = first.renewAt - 1;
    expect(await manager.renewIfDue()).toBe(false);
    now = first.renewAt;
    expect(await manager.renewIfDue()).toBe(true);
    expect(manager.current.serial).not.toBe(first.serial);
    expect(manager.lastMethod).toBe('mtls');
    const certificates = await server.admin<{ items: { serial: string }[] }>('GET', `/certificates?agent_id=${agentId}`);
    expect(certificates.items.map((c) => c.serial)).toEqual(expect.arrayContaining([first.serial, manager.current.serial]));
  });

  it('exposes an https.Agent that presents the current certificate', async () => {
    expect(await renewThrough(manager)).toBe(201);
  });

  it('still gets a certificate by token through the JSON issuance API', async () => {
    const before = manager.current.serial;
    await manager.renewByToken();
    expect(manager.lastMethod).toBe('token');
    expect(manager.current.serial).not.toBe(before);
  });

  it("falls back to the agent's key when renewal by a revoked certificate is refused, and says what happened once the agent is suspended", async () => {
    const revoked = manager.current.serial;
    await server.admin('POST', `/certificates/${revoked}/revoke`);
    const renewed = await manager.renew();
    expect(renewed.serial).not.toBe(revoked);
    expect(manager.lastMethod).toBe('key');
    await server.admin('POST', `/agents/${agentId}/suspend`);
    await server.admin('POST', `/certificates/${renewed.serial}/revoke`);
    const error = await manager.renew().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateRenewalError);
    expect((error as CertificateRenewalError).error).toBe('invalid_client');
    expect((error as CertificateRenewalError).message).toMatch(/^renewal by the current certificate was refused \(invalid_client, HTTP 401\), and a new certificate with the agent's key was refused too .*suspended, disabled or deleted/);
  });
});

/** RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the certificate's DER. */
function thumbprint(chainPem: string): string {
  return createHash('sha256').update(new X509Certificate(chainPem).raw).digest('base64url');
}

describe('certificate-bound tokens through the SDK (RFC 8705 §3)', () => {
  const API = 'https://api.example.com';
  let agent: Agent;
  let manager: CertificateManager | undefined;
  let now = Date.now();
  beforeAll(async () => {
    const agentId = await server.createAgent({ scopes: ['orders:read', 'agentauth:cert'], resources: [server.issuer, API], tls_client_certificate_bound_access_tokens: true });
    agent = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId) });
  });
  afterAll(() => manager?.close());

  it('an agent registered for certificate-bound tokens gets no token without a certificate, and is told why', async () => {
    const error = await agent.getToken({ resource: API, scope: 'orders:read' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthClientError);
    expect((error as OAuthClientError).error).toBe('invalid_request');
    expect((error as OAuthClientError).message).toMatch(/certificate-bound tokens only/);
  });

  it("gets its first certificate with its key, then getToken goes over the mTLS alias and the token carries the certificate's thumbprint", async () => {
    manager = await startCertificateManager(agent, { autoRenew: false, now: () => now, mtlsUrl: `https://127.0.0.1:${mtlsPort}` });
    expect(manager.lastMethod).toBe('key');
    const token = await agent.getToken({ resource: API, scope: 'orders:read' });
    expect(token.tokenType).toBe('Bearer');
    expect(decodeJwt(token.accessToken)).toMatchObject({ aud: API, cnf: { 'x5t#S256': thumbprint(manager.current.chainPem) } });
  });

  it('a resource server (the resource-server SDK over TLS) accepts that token with the current certificate, and refuses it without', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentauth-rs-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
    const serverTls = { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
    await rm(dir, { recursive: true, force: true });
    const guard = nodeAgentAuth(createResourceServer({ issuer: server.issuer, resource: API, revocation: 'off' }));
    // The binding is to the certificate presented (RFC 8705 §3): the SDK compares thumbprints.
    const api = createHttpsServer({ ...serverTls, requestCert: true, rejectUnauthorized: false }, async (req, res) => {
      const principal = await guard(req, res);
      if (principal !== undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ binding: principal.binding }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(api.address() as AddressInfo).port}/orders`;
      const { accessToken } = await agent.getToken({ resource: API, scope: 'orders:read' });
      const call = (tls: object) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(url, { ...tls, ca: serverTls.cert, agent: false, headers: { authorization: `Bearer ${accessToken}` } }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end();
        });
      expect(await call(manager!.tlsOptions())).toEqual({ status: 200, body: JSON.stringify({ binding: 'mtls' }) });
      expect((await call({})).status).toBe(401);
    } finally {
      await new Promise((resolve) => api.close(resolve));
    }
  });

  it('re-binds after renewal: the next token carries the new certificate, and close() goes back to the plain endpoint', async () => {
    const before = await agent.getToken({ resource: API, scope: 'orders:read' });
    const first = manager!.current;
    now = first.renewAt;
    expect(await manager!.renewIfDue()).toBe(true);
    expect(manager!.lastMethod).toBe('mtls');
    const after = await agent.getToken({ resource: API, scope: 'orders:read' });
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(decodeJwt(after.accessToken)).toMatchObject({ cnf: { 'x5t#S256': thumbprint(manager!.current.chainPem) } });
    expect(thumbprint(manager!.current.chainPem)).not.toBe(thumbprint(first.chainPem));
    manager!.close();
    await expect(agent.getToken({ resource: API, scope: 'orders:read' })).rejects.toMatchObject({ error: 'invalid_request' });
  });

  it('an agent not allowed agentauth:cert is told exactly that', async () => {
    const agentId = await server.createAgent({ scopes: ['orders:read'], resources: [server.issuer, API] });
    const other = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId) });
    const error = await startCertificateManager(other, { autoRenew: false, mtlsUrl: `https://127.0.0.1:${mtlsPort}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateRenewalError);
    expect((error as CertificateRenewalError).error).toBe('invalid_scope');
    expect((error as CertificateRenewalError).message).toMatch(/^no first certificate: the server refused it \(invalid_scope, HTTP 400: .*\); the agent is not allowed the scope agentauth:cert/);
  });
});
