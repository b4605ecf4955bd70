import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, type ServiceCredentials } from '../src/index.js';
import { withAgentAuth } from '../src/adapters/fetch.js';
// The CLI's helper: the built `agentauth start` as a real child process.
import { startServerProcess, type ServerProcess } from '../../cli/test/helpers/server-process.js';
import { BOOTSTRAP_TOKEN, TEST_MASTER_KEY, startTestServer } from '../../server/test/support/test-server.js';
import { clientAssertion, createAgent, form, FORM, freePort, type TestAgent } from './support/real-server.js';

const API = 'https://api.example.com';
const POLICIES = `@id("issuance")
permit (principal, action in [Action::"issue_token", Action::"register_agent"], resource);
@id("orders")
permit (principal is Agent, action == Action::"call_api", resource is ApiResource)
when { resource.type == "order" && context.name == "read" && resource.id != "o-2" };`;

// The SDK's PEP against the real `agentauth start` process: the policy set and the agents are
// written to its data directory first (the store's own verbs, through an in-process server that
// then stops), and the process decides from them; its decision tally reaches the audit log at shutdown.
describe('rs.authorize against a real agentauth process', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let issuer: string;
  let child: ServerProcess | undefined;
  let service: TestAgent;
  let caller: TestAgent;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentauth-authzen-e2e-'));
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    env = {
      AGENTAUTH_DATA_DIR: dataDir,
      AGENTAUTH_ISSUER: issuer,
      AGENTAUTH_PORT: String(port),
      AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
      AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0',
    };
    const setup = await startTestServer('sqlite', env);
    try {
      service = await createAgent(setup.server, { name: 'orders-api', scopes: ['agentauth:authorize'] });
      caller = await createAgent(setup.server, { name: 'shopper' });
      await setup.server.deps.policies.service.apply({ source: POLICIES, replace: true }, { actor: 'admin:bootstrap', sourceIp: null, requestId: null }, null);
    } finally {
      await setup.close();
    }
    child = await startServerProcess({ env });
  }, 180_000);
  afterAll(async () => {
    await child?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('decides per route through the fetch adapter, and rs.authorize answers the same', async () => {
    const assertion = await clientAssertion(caller, Date.now(), { claims: { aud: issuer } });
    const issued = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: FORM,
      body: form({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, resource: API, scope: 'orders:read' }),
    });
    expect(issued.status).toBe(200);
    const token = ((await issued.json()) as { access_token: string }).access_token;

    const errors: unknown[] = [];
    const credentials: ServiceCredentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid };
    const rs = createResourceServer({ issuer, resource: API, revocation: 'off', authorization: { credentials }, onError: (error) => errors.push(error) });
    const handle = withAgentAuth(rs, (_request, principal) => new Response(principal.agentId), {
      authorize: { action: (request) => (request.method === 'GET' ? 'read' : 'write'), resource: (request) => ({ type: 'order', id: new URL(request.url).pathname.split('/').pop() ?? '' }) },
    });
    const send = (method: string, id: string) => handle(new Request(`${API}/orders/${id}`, { method, headers: { authorization: `Bearer ${token}` } }));
    const ok = await send('GET', 'o-1');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(caller.id);
    expect((await send('GET', 'o-2')).status).toBe(403);
    expect((await send('DELETE', 'o-1')).status).toBe(403);

    const principal = await rs.verifyRequest(new Request(`${API}/orders/o-3`, { headers: { authorization: `Bearer ${token}` } }));
    expect(await rs.authorize(principal, 'read', { type: 'order', id: 'o-3' })).toBe(true);
    expect(await rs.authorize({ type: 'agent', id: 'agt_nobody' }, 'read', { type: 'order', id: 'o-3' })).toBe(false);
    expect(errors).toEqual([]);
  });

  it('writes the decisions as one summary record for the service when the process stops', async () => {
    await child?.stop();
    child = undefined;
    const reader = await startTestServer('sqlite', env);
    try {
      const summaries = await reader.server.deps.store.queryAudit({ event: 'access_evaluation.summarized', agentId: service.id }, { limit: 10 });
      expect(summaries.items).toHaveLength(1);
      expect(summaries.items[0]?.details).toMatchObject({ evaluations: 5, permitted: 2, denied: 2, unknown_subject: 1, errors: 0 });
    } finally {
      await reader.close();
    }
  });
});
