import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';
import { withRawDatabase } from '../support/raw-database.js';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, FORM, form, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

async function newKey(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk: { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256' } };
}

describe.each(BACKENDS)('enrolment on %s', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  beforeAll(async () => {
    t = await startTestServer(backend);
    agent = await createAgent(t.server);
  });
  afterAll(async () => {
    await t.close();
  });

  const createToken = async (agentId: string, body?: Record<string, unknown>) =>
    t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agentId}/enrollment-tokens`, headers: ADMIN, ...(body === undefined ? {} : { payload: body }) });
  const enroll = (payload: Record<string, unknown>) => t.server.app.inject({ method: 'POST', url: '/enroll', payload });
  const auditEvents = async (event: string) => {
    const response = await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?event=${event}&limit=100`, headers: ADMIN });
    return (response.json() as { items: { event: string; reason: string | null; agent_id: string | null; details: Record<string, unknown> }[] }).items;
  };
  const token = async (privateKey: CryptoKey, kid: string) =>
    t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion({ ...agent, privateKey, kid }, t.clock.now()), scope: 'orders:read' }),
    });

  it('creates a one-time token (default 15 minutes), stored only as its SHA-256', async () => {
    const response = await createToken(agent.id);
    expect(response.statusCode).toBe(201);
    const body = response.json() as { id: string; token: string; expires_at: string; agent_id: string };
    expect(body.token).toMatch(/^aaenr_[A-Za-z0-9_-]{43}$/);
    expect(body.agent_id).toBe(agent.id);
    expect(Date.parse(body.expires_at) - t.clock.now()).toBe(15 * 60 * 1000);
    const rows = await withRawDatabase(t.server.deps.config, (db) => db.selectFrom('enrollment_tokens').selectAll().execute());
    expect(JSON.stringify(rows)).not.toContain(body.token);
    expect(JSON.stringify(rows)).not.toContain(body.token.slice(6));
    expect(JSON.stringify(await auditEvents('enrollment_token.created'))).not.toContain(body.token.slice(6));
  });

  it('refuses a lifetime over 24 hours, an unknown agent, and a suspended agent', async () => {
    expect((await createToken(agent.id, { ttl: 86_401 })).statusCode).toBe(400);
    expect((await createToken('agt_doesnotexist0000000000')).statusCode).toBe(404);
    const other = await createAgent(t.server);
    await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${other.id}/suspend`, headers: ADMIN });
    expect((await createToken(other.id)).json()).toMatchObject({ code: 'conflict' });
  });

  it('registers the public key once; the agent then authenticates with it; a replay is invalid_grant', async () => {
    const created = (await createToken(agent.id)).json() as { token: string };
    const key = await newKey();
    const response = await enroll({ enrollment_token: created.token, jwk: key.jwk });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toMatchObject({ client_id: agent.id, agent_id: agent.id, kid: key.jwk.kid, issuer: 'http://127.0.0.1:8080', authorization_server_metadata: 'http://127.0.0.1:8080/.well-known/oauth-authorization-server' });
    expect((await token(key.privateKey, key.jwk.kid as string)).statusCode).toBe(200);

    const replay = await enroll({ enrollment_token: created.token, jwk: (await newKey()).jwk });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ error: 'invalid_grant' });
    const failures = await auditEvents('enrollment.failed');
    expect(failures.some((r) => r.reason === 'enrollment token used' && r.agent_id === agent.id)).toBe(true);
    expect((await auditEvents('agent.enrolled')).some((r) => r.details['kid'] === key.jwk.kid)).toBe(true);
  });

  it('accepts the form encoding too', async () => {
    const created = (await createToken(agent.id)).json() as { token: string };
    const key = await newKey();
    const response = await t.server.app.inject({ method: 'POST', url: '/enroll', headers: FORM, payload: form({ enrollment_token: created.token, jwk: JSON.stringify(key.jwk) }) });
    expect(response.statusCode).toBe(200);
  });

  it('refuses an expired token, and a private key does not burn the token', async () => {
    const created = (await createToken(agent.id, { ttl: 60 })).json() as { token: string };
    const key = await newKey();
    const privateJwk = await exportJWK(key.privateKey);
    const leaked = await enroll({ enrollment_token: created.token, jwk: privateJwk });
    expect(leaked.json()).toMatchObject({ error: 'invalid_request' });
    t.clock.advance(61_000);
    const late = await enroll({ enrollment_token: created.token, jwk: key.jwk });
    expect(late.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await auditEvents('enrollment.failed')).some((r) => r.reason === 'enrollment token expired')).toBe(true);
    const unknown = await enroll({ enrollment_token: `aaenr_${'A'.repeat(43)}`, jwk: key.jwk });
    expect(unknown.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('prunes only tokens that expired before the given time', async () => {
    const store = t.server.deps.store;
    const created = (await createToken(agent.id, { ttl: 60 })).json() as { expires_at: string };
    const expiresAt = Date.parse(created.expires_at);
    const count = async () => (await withRawDatabase(t.server.deps.config, (db) => db.selectFrom('enrollment_tokens').select('expires_at').execute())).filter((r) => Number(r.expires_at) === expiresAt).length;
    await store.pruneEnrollmentTokens(expiresAt);
    expect(await count()).toBe(1);
    expect(await store.pruneEnrollmentTokens(expiresAt + 1)).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(0);
  });

  it('lets exactly one of two concurrent enrolments with one token win', async () => {
    const created = (await createToken(agent.id)).json() as { token: string };
    const [a, b] = await Promise.all([newKey(), newKey()]);
    const responses = await Promise.all([enroll({ enrollment_token: created.token, jwk: a?.jwk }), enroll({ enrollment_token: created.token, jwk: b?.jwk })]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const agentJson = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/agents/${agent.id}`, headers: ADMIN })).json() as { credentials: { kid: string }[] };
    const kids = agentJson.credentials.map((c) => c.kid);
    expect(Number(kids.includes(a?.jwk.kid as string)) + Number(kids.includes(b?.jwk.kid as string))).toBe(1);
  });

  it('lets an agent add a key with its current key, then remove the old one with the new one', async () => {
    const fresh = await createAgent(t.server);
    const next = await newKey();
    const add = await t.server.app.inject({
      method: 'POST',
      url: '/agents/self/keys',
      headers: FORM,
      payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(fresh, t.clock.now()), jwk: JSON.stringify(next.jwk) }),
    });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ client_id: fresh.id, kid: next.jwk.kid });

    const signedByNew = { ...fresh, privateKey: next.privateKey, kid: next.jwk.kid as string };
    const selfRemove = await t.server.app.inject({
      method: 'POST',
      url: '/agents/self/keys/revoke',
      headers: FORM,
      payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(signedByNew, t.clock.now()), kid: next.jwk.kid as string }),
    });
    expect(selfRemove.json()).toMatchObject({ error: 'invalid_request' });

    const assertion = await clientAssertion(signedByNew, t.clock.now());
    const remove = await t.server.app.inject({ method: 'POST', url: '/agents/self/keys/revoke', headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, kid: fresh.kid }) });
    expect(remove.statusCode).toBe(200);
    // The same assertion again is a replay.
    const replay = await t.server.app.inject({ method: 'POST', url: '/agents/self/keys/revoke', headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, kid: fresh.kid }) });
    expect(replay.statusCode).toBe(401);
    // The old key no longer authenticates.
    const old = await t.server.app.inject({
      method: 'POST',
      url: '/agents/self/keys',
      headers: FORM,
      payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(fresh, t.clock.now()), jwk: JSON.stringify((await newKey()).jwk) }),
    });
    expect(old.statusCode).toBe(401);
  });

  it('refuses self-service key changes without private_key_jwt', async () => {
    const response = await t.server.app.inject({ method: 'POST', url: '/agents/self/keys', headers: FORM, payload: form({ client_id: agent.id, jwk: JSON.stringify((await newKey()).jwk) }) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'invalid_client' });
  });
});
