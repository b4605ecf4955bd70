import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { until } from '../support/until.js';
import { DPOP_ISSUER, dpopKey, proofFor, tokenRequest, type DpopTestKey } from './dpop/dpop-support.js';

/** Refused by the shared Redis check, before any token was minted. */
const REFUSED_BY_REDIS = 'invalid_dpop_proof: DPoP: jti replayed';

/** A client assertion for the DPoP issuer. */
function assertionFor(t: TestServer, agent: TestAgent): Promise<string> {
  return clientAssertion(agent, t.clock.now(), { claims: { aud: DPOP_ISSUER } });
}

/** POST /token with exactly this client assertion (no DPoP). */
function withAssertion(t: TestServer, assertion: string): Promise<LightMyRequestResponse> {
  return t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) });
}

/** A replay must never buy a second token: refused, or 503 with Retry-After while the check cannot be made. */
function expectNotAcceptedTwice(response: LightMyRequestResponse, error: string): void {
  if (response.statusCode === 503) {
    expect(response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    return;
  }
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  expect(response.json()).toMatchObject({ error });
}

async function lastReason(t: TestServer, agent: TestAgent): Promise<unknown> {
  const page = await t.server.deps.store.queryAudit({ agentId: agent.id }, { limit: 500 });
  return page.items.at(-1)?.reason;
}

/**
 * Single use while Redis goes away (RFC 9449 §11.1 for DPoP proofs, RFC 7523 §3 for client
 * assertions). Redis here is a redis-server of the test's own, killed and restarted mid-test; two
 * nodes share one PostgreSQL database. Redis only turns replays away early: the durable claim in
 * the database (or, for one SQLite process, the process's own record) decides, so a replay is
 * refused with Redis up, down, and back.
 */
describe('replayed proofs and assertions while Redis is down, across two nodes on PostgreSQL', () => {
  let redis: PrivateRedis;
  let database: { url: string; drop: () => Promise<void> };
  let a: TestServer;
  let b: TestServer;
  let agent: TestAgent;
  let key: DpopTestKey;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createPostgresDatabase();
    const env = { AGENTAUTH_ISSUER: DPOP_ISSUER, AGENTAUTH_DATABASE_URL: database.url, AGENTAUTH_REDIS_URL: redis.url };
    // No polling between the nodes: what B learns of A's agent changes comes through Redis alone.
    a = await startTestServer('sqlite', env, { crossNodePolling: false });
    b = await startTestServer('sqlite', env, { crossNodePolling: false });
    b.clock.set(a.clock.now());
    agent = await createAgent(a.server);
    key = await dpopKey('ES256');
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await redis?.destroy();
  });

  it('with Redis up, refuses on B a proof A accepted, through Redis', async () => {
    const proof = await proofFor(a, key);
    expect((await tokenRequest(a, agent, proof)).statusCode).toBe(200);
    expectNotAcceptedTwice(await tokenRequest(b, agent, proof), 'invalid_dpop_proof');
    expect(await lastReason(a, agent)).toBe(REFUSED_BY_REDIS);
  });

  it('with Redis down, still refuses every replay: of a proof, and of a client assertion', async () => {
    const usedWhileUp = await proofFor(a, key);
    expect((await tokenRequest(a, agent, usedWhileUp)).statusCode).toBe(200);
    await redis.stop('SIGKILL');

    // A proof claimed while Redis was up, replayed now: the database holds its claim.
    expectNotAcceptedTwice(await tokenRequest(b, agent, usedWhileUp), 'invalid_dpop_proof');
    expectNotAcceptedTwice(await tokenRequest(a, agent, usedWhileUp), 'invalid_dpop_proof');

    // A proof first used while Redis is down, replayed on the other node and on the same one.
    const proof = await proofFor(a, key);
    expect((await tokenRequest(a, agent, proof)).statusCode).toBe(200);
    expectNotAcceptedTwice(await tokenRequest(b, agent, proof), 'invalid_dpop_proof');
    expectNotAcceptedTwice(await tokenRequest(a, agent, proof), 'invalid_dpop_proof');

    // Two requests with one proof at once, one per node: at most one token.
    const raced = await proofFor(a, key);
    const both = await Promise.all([tokenRequest(a, agent, raced), tokenRequest(b, agent, raced)]);
    expect(both.filter((r) => r.statusCode === 200)).toHaveLength(1);

    // A client assertion used on A, replayed on B and on A.
    const assertion = await assertionFor(a, agent);
    expect((await withAssertion(a, assertion)).statusCode).toBe(200);
    expectNotAcceptedTwice(await withAssertion(b, assertion), 'invalid_client');
    expectNotAcceptedTwice(await withAssertion(a, assertion), 'invalid_client');
  });

  it('once Redis is back, refuses replays through Redis again, and B catches up on what it missed', async () => {
    // While Redis is still down, A suspends an agent B holds as active: the message is lost.
    const victim = await createAgent(a.server, { name: 'suspended-during-outage' });
    expect((await withAssertion(b, await assertionFor(b, victim))).statusCode).toBe(200);
    expect((await a.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${victim.id}/suspend`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } })).statusCode).toBe(200);

    await redis.start();
    // Both nodes reconnect on their own; a fresh proof each time until B's replay is refused by Redis.
    await until(async () => {
      const proof = await proofFor(a, key);
      expect((await tokenRequest(a, agent, proof)).statusCode).toBe(200);
      expectNotAcceptedTwice(await tokenRequest(b, agent, proof), 'invalid_dpop_proof');
      return (await lastReason(a, agent)) === REFUSED_BY_REDIS;
    }, 200);
    // B resubscribed and reloaded its agents: the suspension it never heard of holds there too.
    await until(async () => (await withAssertion(b, await assertionFor(b, victim))).statusCode === 401, 100);
  });
});

/**
 * One process on SQLite is the authority over its DPoP proofs (its own record, with no database
 * claim): Redis going away must not open a gap there either.
 */
describe('a replayed proof at one SQLite process while Redis is down', () => {
  let redis: PrivateRedis;
  let t: TestServer;
  let agent: TestAgent;
  let key: DpopTestKey;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await startTestServer('sqlite', { AGENTAUTH_ISSUER: DPOP_ISSUER, AGENTAUTH_REDIS_URL: redis.url });
    agent = await createAgent(t.server);
    key = await dpopKey('ES256');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('refuses the replay with Redis down, and after Redis comes back empty', async () => {
    const before = await proofFor(t, key);
    expect((await tokenRequest(t, agent, before)).statusCode).toBe(200);
    await redis.stop();
    expectNotAcceptedTwice(await tokenRequest(t, agent, before), 'invalid_dpop_proof');
    const during = await proofFor(t, key);
    expect((await tokenRequest(t, agent, during)).statusCode).toBe(200);
    expectNotAcceptedTwice(await tokenRequest(t, agent, during), 'invalid_dpop_proof');

    // A restarted Redis has forgotten every proof; the process has not.
    await redis.start();
    expectNotAcceptedTwice(await tokenRequest(t, agent, before), 'invalid_dpop_proof');
    expectNotAcceptedTwice(await tokenRequest(t, agent, during), 'invalid_dpop_proof');
    const assertion = await assertionFor(t, agent);
    expect((await withAssertion(t, assertion)).statusCode).toBe(200);
    expectNotAcceptedTwice(await withAssertion(t, assertion), 'invalid_client');
  });
});
