import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { expectOAuthLimited, freshAddress, LIMITS_ENV, oauthPost, secretAgent } from './limits-fixture.js';

const REDIS_URL = process.env.AGENTAUTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two server instances (two nodes) counting failed authentications in one Redis: a guesser that
 * spreads its failures over both is refused as if it had used one, and the limit's audit record is
 * written once, by the node whose failure reached it.
 */
describe('failed-authentication limits shared through Redis by two nodes', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    const keyPrefix = `agentauth:test:limit:${randomBytes(6).toString('hex')}:`;
    const env = { ...LIMITS_ENV, AGENTAUTH_REDIS_URL: REDIS_URL };
    // A loaded test machine must not make a failure fall back to memory (which the last test checks).
    const rateLimitRedis = { keyPrefix, commandTimeoutMs: 5_000 };
    a = await startTestServer('sqlite', env, { rateLimitRedis });
    b = await startTestServer('sqlite', env, { rateLimitRedis });
    b.clock.set(a.clock.now());
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const trips = async (t: TestServer) => (await t.server.deps.store.queryAudit({ event: 'rate_limit.exceeded' }, { limit: 100 })).items;

  it('adds up one client id\u2019s failures from both nodes, and writes its limit record once', async () => {
    const guesser = freshAddress();
    const target = { id: 'agt_sharedtarget', secret: 'guess' };
    expect((await oauthPost(a.server.app, '/token', guesser, target)).statusCode).toBe(401);
    expect((await oauthPost(a.server.app, '/token', guesser, target)).statusCode).toBe(401);
    expect((await oauthPost(b.server.app, '/token', guesser, target)).statusCode).toBe(401);
    // Node A heard only two of the three: its next failure, counted in Redis, is the fourth.
    expectOAuthLimited(await oauthPost(a.server.app, '/introspect', guesser, target));
    expectOAuthLimited(await oauthPost(b.server.app, '/revoke', guesser, target));
    const records = [...(await trips(a)), ...(await trips(b))].filter((r) => r.agentId === target.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ sourceIp: guesser, details: { limit: 'client_id', failures: 3 } });
    expect((await trips(b)).filter((r) => r.agentId === target.id)).toHaveLength(1);
  });

  it('refuses an address on a node that learnt of its limit from Redis, before checking even a right secret', async () => {
    const stuffer = freshAddress();
    const real = await secretAgent(b.server);
    for (let i = 0; i < 8; i += 1) {
      const node = i % 2 === 0 ? a : b;
      expect((await oauthPost(node.server.app, '/token', stuffer, { id: `agt_stuffed${i}`, secret: 'leaked' })).statusCode).toBe(401);
    }
    // B saw the 8th failure: it refuses at once. A learns at its next failure.
    expectOAuthLimited(await oauthPost(b.server.app, '/token', stuffer, real));
    expectOAuthLimited(await oauthPost(a.server.app, '/token', stuffer, { id: 'agt_stuffed9', secret: 'leaked' }));
    expectOAuthLimited(await oauthPost(a.server.app, '/token', stuffer, { id: 'agt_other', secret: 'x' }));
    // ...that one unchecked: no failure of it is on record.
    const failures = (await a.server.deps.store.queryAudit({ event: 'client_authentication.failed' }, { limit: 500 })).items;
    expect(failures.filter((r) => r.agentId === 'agt_stuffed9')).toHaveLength(1);
    expect(failures.filter((r) => r.agentId === 'agt_other')).toHaveLength(0);
    const records = [...(await trips(a)), ...(await trips(b))].filter((r) => r.sourceIp === stuffer && r.details['limit'] === 'client_address');
    expect(records).toHaveLength(1);
  });
});

describe('failed-authentication limits with Redis unreachable', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { ...LIMITS_ENV, AGENTAUTH_REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => t?.close());

  it('counts in memory instead: requests neither fail nor go unlimited', async () => {
    const agent = await secretAgent(t.server);
    const guesser = freshAddress();
    expect((await oauthPost(t.server.app, '/token', freshAddress(), agent)).statusCode).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await oauthPost(t.server.app, '/token', guesser, { id: agent.id, secret: 'wrong' })).statusCode).toBe(401);
    expectOAuthLimited(await oauthPost(t.server.app, '/token', guesser, agent));
    const admin = await t.server.app.inject({ method: 'GET', url: '/admin/v1/agents', remoteAddress: guesser, headers: { authorization: 'Bearer nope' } });
    expect(admin.statusCode).toBe(401);
  });
});
