import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';
import { basic, expectOAuthLimited, freshAddress, LIMITS_ENV, oauthPost, secretAgent, WINDOW_MS } from './limits-fixture.js';

/**
 * Brute-force limits on failed authentications (docs/oauth.md, "Failed authentication limits"),
 * through HTTP. The fixture allows 3 failures per client id, 8 per source address and 3 admin
 * failures per address, per minute.
 */
describe('failed client authentication limits', () => {
  let t: TestServer;
  let agent: { id: string; secret: string };
  let other: { id: string; secret: string };

  beforeAll(async () => {
    t = await startTestServer('sqlite', LIMITS_ENV);
    agent = await secretAgent(t.server, 'target');
    other = await secretAgent(t.server, 'bystander');
  });
  afterAll(async () => t?.close());

  const wrong = (credentials: { id: string }) => ({ id: credentials.id, secret: 'guessed-secret' });
  const audit = async (event: string) => (await t.server.deps.store.queryAudit({ event } as never, { limit: 1000 })).items;

  it('answers 429 with Retry-After once a client id has had its failures, even to the right secret from that address', async () => {
    const target = await secretAgent(t.server, 'guessed');
    const attacker = freshAddress();
    for (let i = 0; i < 3; i += 1) expect((await oauthPost(t.server.app, '/token', attacker, wrong(target))).statusCode).toBe(401);
    expectOAuthLimited(await oauthPost(t.server.app, '/token', attacker, wrong(target)), 60);
    // Guessing right changes nothing: the answer is the same 429, so it tells the guesser nothing.
    t.clock.advance(10_000);
    expectOAuthLimited(await oauthPost(t.server.app, '/token', attacker, target), 50);
    t.clock.advance(WINDOW_MS - 10_000);
    expect((await oauthPost(t.server.app, '/token', attacker, target)).statusCode).toBe(200);
  });

  it('never throttles a busy agent for its own successes', async () => {
    const busy = freshAddress();
    for (let i = 0; i < 40; i += 1) expect((await oauthPost(t.server.app, '/token', busy, agent)).statusCode).toBe(200);
    for (let i = 0; i < 20; i += 1) expect((await oauthPost(t.server.app, '/introspect', busy, agent)).statusCode).toBe(200);
  });

  it('does not let an attacker lock a working agent out from another address', async () => {
    const victim = await secretAgent(t.server, 'victim');
    const attacker = freshAddress();
    const home = freshAddress();
    for (let i = 0; i < 4; i += 1) await oauthPost(t.server.app, '/token', attacker, wrong(victim));
    expectOAuthLimited(await oauthPost(t.server.app, '/token', attacker, victim));
    // The agent's own address has no failure on record: it is heard, and its right secret works.
    expect((await oauthPost(t.server.app, '/token', home, victim)).statusCode).toBe(200);
    // A wrong secret from there goes over the client id's limit too: that address is refused from now on.
    expectOAuthLimited(await oauthPost(t.server.app, '/token', home, wrong(victim)));
    expectOAuthLimited(await oauthPost(t.server.app, '/token', home, victim));
  });

  it('limits credential stuffing across many client ids from one address, and only that address', async () => {
    const stuffer = freshAddress();
    for (let i = 0; i < 8; i += 1) {
      const response = await oauthPost(t.server.app, '/token', stuffer, { id: `agt_stuffed${i}`, secret: `leaked-${i}` });
      expect(response.statusCode).toBe(401);
    }
    // Refused before any credential is looked at: a real client's right secret too.
    expectOAuthLimited(await oauthPost(t.server.app, '/token', stuffer, other));
    expectOAuthLimited(await oauthPost(t.server.app, '/introspect', stuffer, other));
    expect((await oauthPost(t.server.app, '/token', freshAddress(), other)).statusCode).toBe(200);
  });

  it('writes one rate_limit.exceeded record per key and window, and nothing for the requests it refuses', async () => {
    const target = await secretAgent(t.server, 'audited');
    const attacker = freshAddress();
    const failedBefore = (await audit('client_authentication.failed')).length;
    for (let i = 0; i < 3; i += 1) await oauthPost(t.server.app, '/token', attacker, wrong(target));
    for (let i = 0; i < 6; i += 1) expectOAuthLimited(await oauthPost(t.server.app, '/token', attacker, target));
    // The right secret is refused after the check: no failure, and no record of its own.
    const failed = (await audit('client_authentication.failed')).length - failedBefore;
    expect(failed).toBe(3);
    const trips = (await audit('rate_limit.exceeded')).filter((r) => r.agentId === target.id);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({
      outcome: 'failure',
      actor: 'system',
      sourceIp: attacker,
      details: { limit: 'client_id', failures: 3, window: 60, retry_after: 60 },
    });

    t.clock.advance(WINDOW_MS);
    for (let i = 0; i < 3; i += 1) await oauthPost(t.server.app, '/token', attacker, wrong(target));
    expectOAuthLimited(await oauthPost(t.server.app, '/token', attacker, wrong(target)));
    expect((await audit('rate_limit.exceeded')).filter((r) => r.agentId === target.id)).toHaveLength(2);
  });

  it('counts failures at /token, /introspect, /revoke, self-service keys and on the mutual-TLS listener together', async () => {
    const target = await secretAgent(t.server, 'everywhere');
    const attacker = freshAddress();
    const mtls = t.server.mtls?.app;
    expect(mtls).toBeDefined();
    expect((await oauthPost(t.server.app, '/token', attacker, wrong(target))).statusCode).toBe(401);
    expect((await oauthPost(mtls!, '/introspect', attacker, wrong(target))).statusCode).toBe(401);
    expect((await oauthPost(t.server.app, '/agents/self/keys', attacker, wrong(target), { jwk: '{}' })).statusCode).toBe(401);
    expectOAuthLimited(await oauthPost(mtls!, '/token', attacker, target));
    expectOAuthLimited(await oauthPost(t.server.app, '/revoke', attacker, target));
    expectOAuthLimited(await oauthPost(t.server.app, '/introspect', attacker, target));
    expectOAuthLimited(await oauthPost(t.server.app, '/agents/self/keys', attacker, wrong(target), { jwk: '{}' }));
  });

  it('starts afresh when the window ends (frozen clock)', async () => {
    const target = await secretAgent(t.server, 'patient');
    const attacker = freshAddress();
    for (let i = 0; i < 3; i += 1) await oauthPost(t.server.app, '/token', attacker, wrong(target));
    t.clock.advance(WINDOW_MS - 1_000);
    expectOAuthLimited(await oauthPost(t.server.app, '/token', attacker, wrong(target)), 1);
    t.clock.advance(1_000);
    expect((await oauthPost(t.server.app, '/token', attacker, wrong(target))).statusCode).toBe(401);
    expect((await oauthPost(t.server.app, '/token', attacker, target)).statusCode).toBe(200);
  });

  it('counts enrolment token guesses at /enroll per address', async () => {
    const guesser = freshAddress();
    const enroll = (remoteAddress: string, token: string) =>
      t.server.app.inject({ method: 'POST', url: '/enroll', remoteAddress, headers: { 'content-type': 'application/json' }, payload: { enrollment_token: token, jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } } });
    for (let i = 0; i < 8; i += 1) expect((await enroll(guesser, `aet_guess${i}`)).json()).toMatchObject({ error: 'invalid_grant' });
    expectOAuthLimited(await enroll(guesser, 'aet_guess-more'));
    // Another address is not affected.
    expect((await enroll(freshAddress(), 'aet_guess-elsewhere')).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('counts an IPv6 client by its /64: rotating the interface identifier does not help', async () => {
    for (let i = 1; i <= 8; i += 1) await oauthPost(t.server.app, '/token', `2001:db8:77:1::${i.toString(16)}`, { id: `agt_v6${i}`, secret: 'x' });
    expectOAuthLimited(await oauthPost(t.server.app, '/token', '2001:db8:77:1:ffff:1:2:3', other));
    expect((await oauthPost(t.server.app, '/token', '2001:db8:77:2::1', other)).statusCode).toBe(200);
  });
});

describe('failed registration access tokens (RFC 7592) and initial access tokens (RFC 7591)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', LIMITS_ENV);
  });
  afterAll(async () => t?.close());

  const register = (remoteAddress: string, token: string) =>
    t.server.app.inject({ method: 'POST', url: '/register', remoteAddress, headers: { authorization: `Bearer ${token}` }, payload: { owner: 'team-reg', resources: ['https://api.example.com'] } });

  it('limits initial access token guesses per address like admin bearer guesses', async () => {
    const guesser = freshAddress();
    for (let i = 0; i < 3; i += 1) expect((await register(guesser, `guess-${i}-0123456789abcdefghijklmnopqrstuvwxyz`)).statusCode).toBe(401);
    expectOAuthLimited(await register(guesser, BOOTSTRAP_TOKEN));
    expect((await register(freshAddress(), BOOTSTRAP_TOKEN)).statusCode).toBe(201);
  });

  it('limits registration access token guesses per client id', async () => {
    const created = await register(freshAddress(), BOOTSTRAP_TOKEN);
    const { client_id: clientId, registration_access_token: token } = created.json() as { client_id: string; registration_access_token: string };
    const guesser = freshAddress();
    const read = (remoteAddress: string, bearer: string) => t.server.app.inject({ method: 'GET', url: `/register/${clientId}`, remoteAddress, headers: { authorization: `Bearer ${bearer}` } });
    for (let i = 0; i < 3; i += 1) expect((await read(guesser, `wrong-${i}`)).statusCode).toBe(401);
    expectOAuthLimited(await read(guesser, token));
    expect((await read(freshAddress(), token)).statusCode).toBe(200);
  });
});

describe('failed admin API authentications', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', LIMITS_ENV);
  });
  afterAll(async () => t?.close());

  const list = (remoteAddress: string, token: string) =>
    t.server.app.inject({ method: 'GET', url: '/admin/v1/agents', remoteAddress, headers: { authorization: `Bearer ${token}` } });

  it('answers bearer guessing with 429 problem JSON, too_many_requests, and Retry-After, even for the right token', async () => {
    const guesser = freshAddress();
    for (let i = 0; i < 3; i += 1) expect((await list(guesser, `guess-${i}`)).statusCode).toBe(401);
    for (const token of ['guess-4', BOOTSTRAP_TOKEN]) {
      const refused = await list(guesser, token);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.json()).toEqual({
        type: 'urn:agentauth:problem:too_many_requests',
        title: 'Too many requests',
        status: 429,
        detail: expect.any(String),
        code: 'too_many_requests',
      });
    }
    // Another address (the operator's) is not affected.
    expect((await list(freshAddress(), BOOTSTRAP_TOKEN)).statusCode).toBe(200);
    const trips = (await t.server.deps.store.queryAudit({ event: 'rate_limit.exceeded' }, { limit: 100 })).items.filter((r) => r.sourceIp === guesser);
    expect(trips).toHaveLength(1);
    expect(trips[0]?.details).toEqual({ limit: 'admin_address', address: guesser, failures: 3, window: 60, retry_after: 60 });
    t.clock.advance(WINDOW_MS);
    expect((await list(guesser, BOOTSTRAP_TOKEN)).statusCode).toBe(200);
  });

  it('never throttles an administrator for successful calls', async () => {
    const operator = freshAddress();
    for (let i = 0; i < 30; i += 1) expect((await list(operator, BOOTSTRAP_TOKEN)).statusCode).toBe(200);
  });
});

describe('limits turned off (AGENTAUTH_RATE_LIMITS=off)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { ...LIMITS_ENV, AGENTAUTH_RATE_LIMITS: 'off' });
  });
  afterAll(async () => t?.close());

  it('answers every failure as a failure, never 429', async () => {
    const guesser = freshAddress();
    const target = await secretAgent(t.server);
    for (let i = 0; i < 20; i += 1) expect((await oauthPost(t.server.app, '/token', guesser, { id: target.id, secret: 'wrong' })).statusCode).toBe(401);
    for (let i = 0; i < 10; i += 1) {
      const response = await t.server.app.inject({ method: 'GET', url: '/admin/v1/agents', remoteAddress: guesser, headers: { authorization: basic('a', 'b').replace('Basic', 'Bearer') } });
      expect(response.statusCode).toBe(401);
    }
  });
});

describe('behind a trusted proxy', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { ...LIMITS_ENV, AGENTAUTH_TRUSTED_PROXIES: '10.9.0.1' });
  });
  afterAll(async () => t?.close());

  it('counts the client address from X-Forwarded-For, not the proxy', async () => {
    const agent = await secretAgent(t.server);
    const via = (client: string, secret: string) =>
      t.server.app.inject({
        method: 'POST',
        url: '/token',
        remoteAddress: '10.9.0.1',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': client, authorization: basic(`agt_nobody${secret}`, secret) },
        payload: 'grant_type=client_credentials',
      });
    for (let i = 0; i < 8; i += 1) expect((await via('198.51.100.7', `s${i}`)).statusCode).toBe(401);
    expectOAuthLimited(await via('198.51.100.7', 'again'));
    const fine = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: '10.9.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.8', authorization: basic(agent.id, agent.secret) },
      payload: 'grant_type=client_credentials',
    });
    expect(fine.statusCode).toBe(200);
  });
});
