import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopSigner } from './helpers/dpop-client.js';
import { registerAgentOverHttp, type HttpAgent } from './helpers/http-agent.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'cluster-test-bootstrap-token-0123456789abcdef';

/**
 * `agentauth start --workers 2` (node:cluster): the workers share the socket, replay protection
 * (client assertions and DPoP proofs) and suspension hold across them.
 */
describe('agentauth start --workers 2', () => {
  let server: ServerProcess;
  let agent: HttpAgent;

  beforeAll(async () => {
    server = await startServerProcess({ args: ['--workers', '2'], env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_LOG_LEVEL: 'info' }, ready: (output) => (output.match(/agentauth listening/g) ?? []).length === 2 });
    agent = await registerAgentOverHttp(server.url, BOOTSTRAP, 'cluster-bot');
  }, 180_000);
  afterAll(async () => server?.stop());

  const assertion = (jti?: string) => agent.assertion(jti);
  const token = async (clientAssertion: string, dpop?: string) => {
    // A new connection per request, so the cluster spreads them over both workers.
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close', ...(dpop === undefined ? {} : { dpop }) },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion }),
    });
    return { status: response.status };
  };

  it('runs two worker processes', () => {
    const pids = [...server.output().matchAll(/"pid":(\d+)[^\n]*"msg":"agentauth listening"/g)].map((m) => m[1]);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(String(server.process.pid));
  });

  it('accepts each assertion once across the workers', async () => {
    const replayed = await assertion();
    const results = await Promise.all(Array.from({ length: 8 }, () => token(replayed)));
    expect(results.filter((r) => r.status === 200).length).toBe(1);
    expect(results.filter((r) => r.status === 401).length).toBe(7);
  });

  it('accepts each DPoP proof once across the workers (each with its own assertion)', async () => {
    // Two processes: neither one's memory is the authority, the database claim is (docs/oauth.md).
    const proof = await (await dpopSigner())(`${server.url}/token`);
    const results = await Promise.all(Array.from({ length: 8 }, async () => token(await assertion(), proof)));
    expect(results.filter((r) => r.status === 200).length).toBe(1);
    expect(results.filter((r) => r.status === 400).length).toBe(7);
  });

  it('refuses a suspended agent on every worker at once', async () => {
    for (let i = 0; i < 6; i++) expect((await token(await assertion())).status).toBe(200);
    const suspended = await fetch(`${server.url}/admin/v1/agents/${agent.id}/suspend`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}` } });
    expect(suspended.status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await token(await assertion())).status).toBe(401);
  });
});
