import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/test/helpers/server-process.js';
import { createAgent, memoryKeyStore, type Agent } from '../src/index.js';
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

  it('obtains a first certificate with a CSR made locally, naming the agent', () => {
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

  it('falls back to a token when renewal by a revoked certificate is refused, and gives up with a clear error once the agent is suspended', async () => {
    const revoked = manager.current.serial;
    await server.admin('POST', `/certificates/${revoked}/revoke`);
    const renewed = await manager.renew();
    expect(renewed.serial).not.toBe(revoked);
    expect(manager.lastMethod).toBe('token');
    await server.admin('POST', `/agents/${agentId}/suspend`);
    await server.admin('POST', `/certificates/${renewed.serial}/revoke`);
    agent.clearTokens();
    const error = await manager.renew().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateRenewalError);
    expect((error as CertificateRenewalError).message).toMatch(/re-enabled or re-enrolled/);
  });
});
