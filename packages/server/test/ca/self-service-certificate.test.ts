import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { openssl, P256 } from './ca-harness.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

// POST /agents/self/certificates: a certificate by the agent's own key (private_key_jwt), the way
// an agent registered for certificate-bound tokens (RFC 8705 §3.4) gets one when it holds none.
describe.each(BACKENDS)('a certificate by the agent\'s own key (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  let dir: string;

  const csr = (name: string) => {
    openssl(['genpkey', ...P256, '-out', `${name}.key`], { cwd: dir });
    return openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/CN=x'], { cwd: dir });
  };
  const request = (payload: Record<string, string>) => t.server.app.inject({ method: 'POST', url: '/agents/self/certificates', headers: FORM, payload: form(payload) });
  const signed = async (who: TestAgent, extra: Record<string, string>) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(who, t.clock.now()), ...extra });
  const audit = async (event: string) =>
    ((await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?event=${event}&limit=100`, headers: ADMIN })).json() as { items: { agent_id: string | null; reason: string | null; details: Record<string, unknown> }[] }).items;

  beforeAll(async () => {
    t = await startTestServer(backend);
    agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:cert'], tls_client_certificate_bound_access_tokens: true });
    dir = await mkdtemp(join(tmpdir(), 'agentauth-self-cert-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('issues an SVID chain to an agent registered for certificate-bound tokens, which gets no token without one', async () => {
    const tokenRequest = await t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form(await signed(agent, { grant_type: 'client_credentials', scope: 'agentauth:cert', resource: ISSUER })) });
    expect(tokenRequest.json()).toMatchObject({ error: 'invalid_request' });

    const response = await request(await signed(agent, { csr: csr('first') }));
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json() as { spiffe_id: string; certificate_chain: string; serial: string };
    expect(body.spiffe_id).toBe(`spiffe://127.0.0.1/agent/${agent.id}`);
    expect(new X509Certificate(body.certificate_chain).subjectAltName).toBe(`URI:${body.spiffe_id}`);
  });

  it('takes each assertion once: a replay is invalid_client, audited with the endpoint', async () => {
    const payload = await signed(agent, { csr: csr('replay') });
    expect((await request(payload)).statusCode).toBe(201);
    const replay = await request(payload);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ error: 'invalid_client' });
    const failures = await audit('client_authentication.failed');
    expect(failures.some((r) => r.agent_id === agent.id && r.details['endpoint'] === 'self_service_certificates')).toBe(true);
  });

  it('refuses every other way in: no assertion, an agent not allowed agentauth:cert, a missing CSR, a suspended agent', async () => {
    expect((await request({ client_id: agent.id, csr: csr('none') })).json()).toMatchObject({ error: 'invalid_client' });

    const plain = await createAgent(t.server, { scopes: ['orders:read'] });
    const notAllowed = await request(await signed(plain, { csr: csr('plain') }));
    expect(notAllowed.statusCode).toBe(400);
    expect(notAllowed.json()).toMatchObject({ error: 'invalid_scope' });
    expect((notAllowed.json() as { error_description: string }).error_description).toMatch(/agentauth:cert/);
    expect((await audit('certificate.denied')).some((r) => r.agent_id === plain.id && r.reason?.startsWith('invalid_scope'))).toBe(true);

    expect((await request(await signed(agent, {}))).json()).toMatchObject({ error: 'invalid_request' });

    const suspended = await createAgent(t.server, { scopes: ['agentauth:cert'] });
    await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${suspended.id}/suspend`, headers: ADMIN });
    expect((await request(await signed(suspended, { csr: csr('suspended') }))).statusCode).toBe(401);
  });
});
