import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, createSignalsFeed, VerificationError, type ResourceServer, type SignalsFeed, type SignalsFeedOptions } from '../src/index.js';
import { fileFeedPersistence } from '../src/node.js';
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

function feedOptions(overrides: Partial<SignalsFeedOptions> = {}): SignalsFeedOptions {
  return { issuer: server.issuer, credentials: { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid }, ...overrides };
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

/** Milliseconds until `rs` refuses the token with ERR_TOKEN_REVOKED; fails after 2 s. */
async function timeUntilRefused(rs: ResourceServer, token: string, since: number): Promise<number> {
  for (;;) {
    try {
      await rs.verifyRequest(bearer(token));
    } catch (error) {
      if (error instanceof VerificationError && error.code === 'ERR_TOKEN_REVOKED') return performance.now() - since;
      throw error;
    }
    if (performance.now() - since > 2_000) throw new Error('still accepted after 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createSignalsFeed against the real SSF transmitter', () => {
  it('refuses a token within a second of its RFC 7009 revocation (CAEP session-revoked, jwt_id)', async () => {
    const feed = await startFeed();
    const rs = resourceServer(feed);
    const token = await issueToken(server, caller, { resource: RESOURCE });
    await expect(rs.verifyRequest(bearer(token))).resolves.toMatchObject({ agentId: caller.id });
    await revoke(caller, token);
    const since = performance.now();
    expect(await timeUntilRefused(rs, token, since)).toBeLessThan(1_000);
    expect(feed.status()).toMatchObject({ fresh: true });
  });

  it('refuses every earlier token of a suspended agent (session-revoked, iss_sub), not its later ones', async () => {
    const feed = await startFeed();
    const rs = resourceServer(feed);
    const agent = await createAgent(server.server, { resources: [RESOURCE] });
    const token = await issueToken(server, agent, { resource: RESOURCE });
    await rs.verifyRequest(bearer(token));
    const suspended = await server.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(suspended.statusCode).toBe(200);
    expect(await timeUntilRefused(rs, token, performance.now())).toBeLessThan(1_000);
  });

  it('survives a restart: the persisted state and what was queued while it was down', async () => {
    const path = join(stateDir, 'feed.json');
    const first = await startFeed({ persistence: fileFeedPersistence(path) });
    const before = await issueToken(server, caller, { resource: RESOURCE });
    const during = await issueToken(server, caller, { resource: RESOURCE });
    await revoke(caller, before);
    await timeUntilRefused(resourceServer(first), before, performance.now());
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
    const feed = createSignalsFeed(feedOptions({ maxStalenessMs: 60_000, now: () => Date.now() + offset }));
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
    const since = performance.now();
    while (!feed.status().fresh && performance.now() - since < 2_000) await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(rs.verifyRequest(bearer(token))).resolves.toBeDefined();
  });

  it('keeps polling through a network failure (reconnects with backoff)', async () => {
    let broken = false;
    const flaky: typeof fetch = (input, init) => (broken ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
    const errors: unknown[] = [];
    const feed = await startFeed({ fetch: flaky, pollTimeoutMs: 300, onError: (error) => errors.push(error) });
    broken = true;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(errors.length).toBeGreaterThan(0);
    broken = false;
    const rs = resourceServer(feed);
    const token = await issueToken(server, caller, { resource: RESOURCE });
    await revoke(caller, token);
    expect(await timeUntilRefused(rs, token, performance.now())).toBeLessThan(1_500);
  });
});
