import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../support/postgres-database.js';
import { createAgent, startTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { DPOP_ISSUER, dpopKey, proofFor, tokenRequest, type DpopTestKey } from './dpop-support.js';

const REDIS_URL = process.env.AGENTAUTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two server instances (two nodes) on one PostgreSQL database: a DPoP proof accepted by one node
 * must be refused by the other (RFC 9449 §11.1), without Redis through the group commit's
 * conditional claim, and with Redis before any token is minted.
 */
describe.each([
  ['without Redis', {}],
  ['with Redis', { AGENTAUTH_REDIS_URL: REDIS_URL }],
] as const)('DPoP jti replay across two nodes on one PostgreSQL database (%s)', (mode, extraEnv) => {
  let database: { url: string; drop: () => Promise<void> };
  let a: TestServer;
  let b: TestServer;
  let agent: TestAgent;
  let key: DpopTestKey;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    // 'sqlite' only tells the helper not to create a database of its own; the URL selects PostgreSQL.
    const env = { AGENTAUTH_ISSUER: DPOP_ISSUER, AGENTAUTH_DATABASE_URL: database.url, ...extraEnv };
    a = await startTestServer('sqlite', env);
    b = await startTestServer('sqlite', env);
    b.clock.set(a.clock.now());
    agent = await createAgent(a.server);
    key = await dpopKey('ES256');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('refuses on node B a proof node A accepted, with invalid_dpop_proof', async () => {
    const proof = await proofFor(a, key);
    const first = await tokenRequest(a, agent, proof);
    expect(first.statusCode).toBe(200);
    const replay = await tokenRequest(b, agent, proof);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe('invalid_dpop_proof');
    const denied = await a.server.deps.store.queryAudit({ agentId: agent.id }, { limit: 500 });
    const last = denied.items.at(-1);
    if (mode === 'with Redis') {
      // Refused by the shared Redis check, before a token was minted.
      expect(last?.reason).toBe('invalid_dpop_proof: DPoP: jti replayed');
    } else {
      // Refused by the database claim committed with the token: the token minted on B was discarded.
      expect(last?.reason).toBe('a single-use jti (client assertion or DPoP proof) was replayed');
    }
  });

  it('lets exactly one of two simultaneous requests with the same proof win', async () => {
    const proof = await proofFor(a, key);
    const responses = await Promise.all([tokenRequest(a, agent, proof), tokenRequest(b, agent, proof)]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(responses.find((r) => r.statusCode === 400)?.json().error).toBe('invalid_dpop_proof');
  });

  it('refuses the replay on a node whose clock is 25 s ahead: the durable claim comes from the proof, not from when it was presented', async () => {
    const proof = await proofFor(a, key);
    expect((await tokenRequest(a, agent, proof)).statusCode).toBe(200);
    b.clock.set(a.clock.now() + 25_000);
    try {
      const replay = await tokenRequest(b, agent, proof);
      expect(replay.statusCode).toBe(400);
      expect(replay.json().error).toBe('invalid_dpop_proof');
    } finally {
      b.clock.set(a.clock.now());
    }
  });
});
