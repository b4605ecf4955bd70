import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

describe.each(BACKENDS)('RFC 7662 introspection and RFC 7009 revocation (%s)', (backend) => {
  let t: TestServer;
  let owner: TestAgent;
  let stranger: TestAgent;
  let inspector: TestAgent;

  beforeAll(async () => {
    t = await startTestServer(backend);
    owner = await createAgent(t.server, { name: 'owner' });
    stranger = await createAgent(t.server, { name: 'stranger' });
    inspector = await createAgent(t.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
  });
  afterAll(async () => t?.close());

  const post = async (url: string, as: TestAgent, params: Record<string, string>) =>
    t.server.app.inject({ method: 'POST', url, headers: FORM, payload: form({ ...params, client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(as, t.clock.now()) }) });
  const issue = async (as: TestAgent) => {
    const response = await post('/token', as, { grant_type: 'client_credentials' });
    expect(response.statusCode).toBe(200);
    return response.json().access_token as string;
  };

  it('requires client authentication', async () => {
    const response = await t.server.app.inject({ method: 'POST', url: '/introspect', headers: FORM, payload: form({ token: 'x' }) });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('invalid_client');
    const revoke = await t.server.app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: form({ token: 'x' }) });
    expect(revoke.statusCode).toBe(401);
  });

  it('tells a token its own client everything, and anyone else without the scope nothing', async () => {
    const accessToken = await issue(owner);
    const own = await post('/introspect', owner, { token: accessToken });
    expect(own.statusCode).toBe(200);
    expect(own.headers['cache-control']).toBe('no-store');
    expect(own.json()).toMatchObject({ active: true, iss: ISSUER, sub: owner.id, client_id: owner.id, token_type: 'Bearer', scope: 'orders:read orders:write', aud: 'https://api.example.com' });
    expect((await post('/introspect', stranger, { token: accessToken })).json()).toEqual({ active: false });
    expect((await post('/introspect', inspector, { token: accessToken })).json()).toMatchObject({ active: true, sub: owner.id });
  });

  it('answers exactly {"active": false} for garbage, expired and unknown tokens', async () => {
    expect((await post('/introspect', inspector, { token: 'garbage' })).json()).toEqual({ active: false });
    const accessToken = await issue(owner);
    t.clock.advance(400_000);
    try {
      expect((await post('/introspect', inspector, { token: accessToken })).json()).toEqual({ active: false });
    } finally {
      t.clock.advance(-400_000);
    }
  });

  it('requires the token parameter', async () => {
    const response = await post('/introspect', inspector, {});
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
  });

  it('lets a client revoke its own token, which then introspects inactive', async () => {
    const accessToken = await issue(owner);
    const revoke = await post('/revoke', owner, { token: accessToken, token_type_hint: 'access_token' });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.body).toBe('');
    expect((await post('/introspect', inspector, { token: accessToken })).json()).toEqual({ active: false });
    const audit = await t.server.deps.store.queryAudit({ agentId: owner.id, event: 'access_token.revoked' }, { limit: 10 });
    expect(audit.items.at(-1)?.details).toMatchObject({ revoked: true });
  });

  it("refuses to revoke another client's token, which stays active", async () => {
    const accessToken = await issue(owner);
    const revoke = await post('/revoke', stranger, { token: accessToken });
    expect(revoke.statusCode).toBe(400);
    expect(revoke.json().error).toBe('unauthorized_client');
    expect((await post('/introspect', inspector, { token: accessToken })).json()).toMatchObject({ active: true });
  });

  it('answers 200 for an invalid token, as RFC 7009 §2.2 requires', async () => {
    expect((await post('/revoke', owner, { token: 'not-a-token' })).statusCode).toBe(200);
  });

  it('makes every token of a deleted agent inactive', async () => {
    const doomed = await createAgent(t.server, { name: 'doomed' });
    const accessToken = await issue(doomed);
    const del = await t.server.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${doomed.id}`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(del.statusCode).toBe(204);
    expect((await post('/introspect', inspector, { token: accessToken })).json()).toEqual({ active: false });
  });
});
