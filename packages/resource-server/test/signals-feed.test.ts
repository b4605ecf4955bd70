import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, createSignalsFeed, VerificationError, type ResourceServer, type SignalsFeed, type SignalsFeedOptions } from '../src/index.js';
import { fileFeedPersistence } from '../src/node.js';
import { onlyWakeUpsEndLongPolls } from '../../server/test/support/long-poll-wake-ups.js';
import { until } from '../../server/test/support/until.js';
import { BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, issueToken, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';

let server: RealServer;
let service: TestAgent;
let caller: TestAgent;
let stateDir: string;
const feeds: SignalsFeed[] = [];

beforeAll(async () => {
  server = await startRealServer();
  service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:signals'], resources: [server.issuer] });
  caller = await createAgent(server.server, { resources: [RESOURCE] });
  stateDir = await mkdtemp(join(tmpdir(), 'agentauth-feed-'));
});
afterAll(async () => {
  for (const feed of feeds) await feed.close();
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

/**
 * The feed reads the server's frozen clock: on the machine's, its client assertions would run ahead
 * of the server by however long the tests took, and be refused past the 5 s skew on a busy machine.
 */
function feedOptions(overrides: Partial<SignalsFeedOptions> = {}): SignalsFeedOptions {
  return { issuer: server.issuer, credentials: { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid }, now: () => server.clock.now(), ...overrides };
}

async function startFeed(overrides: Partial<SignalsFeedOptions> = {}): Promise<SignalsFeed> {
  const feed = createSignalsFeed(feedOptions(overrides));
  feeds.push(feed);
  await feed.start();
  return feed;
}

function resourceServer(feed: SignalsFeed): ResourceServer {
  return createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: feed });
}

const bearer = (token: string) => new Request(`${RESOURCE}/orders`, { headers: { authorization: `Bearer ${token}` } });

/** RFC 7009 revocation by the token's own client, through the real endpoint. */
async function revoke(agent: TestAgent, token: string): Promise<void> {
  const assertion = await clientAssertion(agent, server.clock.now(), { claims: { aud: server.issuer } });
  const response = await fetch(`${server.issuer}/revoke`, {
    method: 'POST',
    headers: FORM,
    body: form({ token, client_id: agent.id, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

/**
 * Resolves once `rs` refuses the token with ERR_TOKEN_REVOKED. No deadline of its own: how soon is
 * the mechanism's to guarantee (a held long poll is woken, see `onlyWakeUpsEndLongPolls`) and
 * `npm run bench`'s to measure (bench/validation.js: revocation propagation, p99); a feed that
 * never learns fails the test on its timeout.
 */
async function untilRefused(rs: ResourceServer, token: string): Promise<void> {
  for (;;) {
    try {
      await rs.verifyRequest(bearer(token));
    } catch (error) {
      if (error instanceof VerificationError && error.code === 'ERR_TOKEN_REVOKED') return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createSignalsFeed against the real SSF transmitter', () => {
  // Revocation reaches a service within about a second because the feed's long poll is held open
  // at the transmitter and woken by the event. These two tests take every other way away (no
  // recheck of the queue, no end of the hold, the feed's own poll bound 45 s): the token is
  // refused only if the poll already open is woken.
  it('refuses a token once its RFC 7009 revocation wakes the long poll held open (CAEP session-revoked, jwt_id)', async () => {
    const wakeUps = onlyWakeUpsEndLongPolls();
    try {
      const feed = await startFeed();
      const rs = resourceServer(feed);
      const token = await issueToken(server, caller, { resource: RESOURCE });
      await expect(rs.verifyRequest(bearer(token))).resolves.toMatchObject({ agentId: caller.id });
      await wakeUps.held(feed.status().streamId as string);
      await revoke(caller, token);
      await untilRefused(rs, token);
      expect(feed.status()).toMatchObject({ fresh: true });
    } finally {
      wakeUps.restore();
    }
  });

  it('refuses every earlier token of a suspended agent once the held long poll is woken (session-revoked, iss_sub)', async () => {
    const wakeUps = onlyWakeUpsEndLongPolls();
    try {
      const feed = await startFeed();
      const rs = resourceServer(feed);
      const agent = await createAgent(server.server, { resources: [RESOURCE] });
      const token = await issueToken(server, agent, { resource: RESOURCE });
      await rs.verifyRequest(bearer(token));
      await wakeUps.held(feed.status().streamId as string);
      const suspended = await server.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
      expect(suspended.statusCode).toBe(200);
      await untilRefused(rs, token);
    } finally {
      wakeUps.restore();
    }
  });

  it('survives a restart: the persisted state and what was queued while it was down', async () => {
    const path = join(stateDir, 'feed.json');
    const first = await startFeed({ persistence: fileFeedPersistence(path) });
    const before = await issueToken(server, caller, { resource: RESOURCE });
    const during = await issueToken(server, caller, { resource: RESOURCE });
    await revoke(caller, before);
    await untilRefused(resourceServer(first), before);
    const { streamId } = first.status();
    await first.close();

    // Revoked while no service was listening: the transmitter keeps it for the stream.
    await revoke(caller, during);
    const second = await startFeed({ persistence: fileFeedPersistence(path) });
    expect(second.status().streamId).toBe(streamId);
    const rs = resourceServer(second);
    for (const token of [before, during]) {
      const error = await rs.verifyRequest(bearer(token)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    }
  });

  it('fails closed (503) before its first contact and when the feed has been silent too long', async () => {
    let offset = 0;
    const feed = createSignalsFeed(feedOptions({ maxStalenessMs: 60_000, now: () => server.clock.now() + offset }));
    feeds.push(feed);
    const rs = resourceServer(feed);
    const token = await issueToken(server, caller, { resource: RESOURCE });
    const early = await rs.verifyRequest(bearer(token)).catch((e: unknown) => e);
    expect(early).toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE' });
    expect(rs.errorResponse(early)).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });

    await feed.start();
    await expect(rs.verifyRequest(bearer(token))).resolves.toBeDefined();
    offset = 61_000;
    expect(await rs.verifyRequest(bearer(token)).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE' });
    // The next delivery is contact again: any event ends the long poll.
    await revoke(caller, await issueToken(server, caller, { resource: RESOURCE }));
    await until(() => feed.status().fresh, 5);
    await expect(rs.verifyRequest(bearer(token))).resolves.toBeDefined();
  });

  it('keeps polling through a network failure (reconnects with backoff)', async () => {
    let broken = false;
    let refused = 0;
    const flaky: typeof fetch = (input, init) => {
      if (!broken) return fetch(input, init);
      refused += 1;
      return Promise.reject(new TypeError('fetch failed'));
    };
    const errors: unknown[] = [];
    const feed = await startFeed({ fetch: flaky, pollTimeoutMs: 300, onError: (error) => errors.push(error) });
    broken = true;
    // Polls that fail, and polls again after each failure.
    await until(() => refused >= 2, 5);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    broken = false;
    const rs = resourceServer(feed);
    const token = await issueToken(server, caller, { resource: RESOURCE });
    await revoke(caller, token);
    await untilRefused(rs, token);
  });
});
