import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenClaims, dpopKey, DPOP_ISSUER, proofFor, tokenRequest } from '../oauth/dpop/dpop-support.js';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

describe.each(BACKENDS)('GET /admin/v1/agents/{id}/tokens (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  const jtis: string[] = [];

  beforeAll(async () => {
    t = await startTestServer(backend, { AGENTAUTH_ISSUER: DPOP_ISSUER });
    agent = await createAgent(t.server, { access_token_ttl: 600 });
    const bearer = await tokenRequest(t, agent, undefined);
    t.clock.advance(1000);
    const key = await dpopKey();
    const bound = await tokenRequest(t, agent, await proofFor(t, key));
    t.clock.advance(1000);
    const revoked = await tokenRequest(t, agent, undefined);
    for (const response of [bearer, bound, revoked]) {
      expect(response.statusCode).toBe(200);
      jtis.push(accessTokenClaims(response).jti as string);
    }
    const revocation = await t.server.app.inject({ method: 'POST', url: `/admin/v1/tokens/${jtis[2]}/revoke`, headers: AUTH });
    expect(revocation.statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  const list = (query = '', id = agent.id) => t.server.app.inject({ method: 'GET', url: `/admin/v1/agents/${id}/tokens${query}`, headers: AUTH });

  it('lists the unexpired tokens oldest first, with scope, audience, binding and revocation', async () => {
    const response = await list();
    expect(response.statusCode).toBe(200);
    const { items, next_cursor } = response.json();
    expect(next_cursor).toBeUndefined();
    expect(items.map((item: { jti: string }) => item.jti)).toEqual(jtis);
    const [bearer, bound, revoked] = items;
    expect(bearer).toEqual({
      jti: jtis[0],
      sub: agent.id,
      client_id: agent.id,
      parent_jti: null,
      issued_at: expect.stringMatching(/Z$/),
      expires_at: new Date(Date.parse(bearer.issued_at) + 600_000).toISOString(),
      revoked: false,
      scope: 'orders:read orders:write',
      aud: ['https://api.example.com'],
      binding: 'bearer',
      cnf: null,
    });
    expect(bound).toMatchObject({ binding: 'dpop', cnf: { jkt: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) }, revoked: false });
    expect(revoked).toMatchObject({ binding: 'bearer', revoked: true });
  });

  it('pages with an opaque cursor and refuses a forged one', async () => {
    const first = (await list('?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (await list(`?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`)).json();
    expect([...first.items, ...second.items].map((item: { jti: string }) => item.jti)).toEqual(jtis);
    const forged = await list('?cursor=bm90LWEtY3Vyc29y');
    expect(forged.statusCode).toBe(400);
    expect(forged.json().code).toBe('validation_failed');
  });

  it('shows a suspended agent\u2019s tokens as revoked, and drops expired ones', async () => {
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: AUTH })).statusCode).toBe(200);
    expect((await list()).json().items.map((item: { revoked: boolean }) => item.revoked)).toEqual([true, true, true]);
    t.clock.advance(600_000);
    expect((await list()).json().items).toEqual([]);
  });

  it('answers 404 for an agent that does not exist, 400 for a malformed id', async () => {
    const missing = await list('', 'agt_AAAAAAAAAAAAAAAAAAAAAA');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
    expect((await list('', 'not-an-agent')).statusCode).toBe(400);
  });
});
