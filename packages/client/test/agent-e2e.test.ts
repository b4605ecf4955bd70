import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, memoryKeyStore, OAuthClientError, type Agent } from '../src/index.js';
import { fileKeyStore } from '../src/node.js';
import { until } from '../../server/test/support/until.js';
import { countingFetch, startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';

let server: AgentAuthProcess;
let dir: string;
beforeAll(async () => {
  server = await startAgentAuth();
  dir = await mkdtemp(join(tmpdir(), 'agentauth-sdk-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const RESOURCE = 'https://api.example.com';

describe('enrolment against a real server', () => {
  it('generates a key locally, enrols it once, stores it with mode 0600, and a second run does not enrol again', async () => {
    const agentId = await server.createAgent();
    const token = await server.enrollmentToken(agentId);
    const path = join(dir, 'identity', 'agent.json');
    const counter = countingFetch();
    const first = await createAgent({ issuer: server.issuer, keyStore: fileKeyStore(path), enrollmentToken: token, fetch: counter.fetch });
    expect(first.clientId).toBe(agentId);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(counter.count('/enroll')).toBe(1);

    const second = await createAgent({ issuer: server.issuer, keyStore: fileKeyStore(path), enrollmentToken: token, fetch: counter.fetch });
    expect(counter.count('/enroll')).toBe(1);
    expect(second.clientId).toBe(agentId);
    expect(second.kid).toBe(first.kid);
    const { accessToken } = await second.getToken({ resource: RESOURCE, scope: 'orders:read' });
    expect(decodeJwt(accessToken)).toMatchObject({ sub: agentId, aud: RESOURCE, scope: 'orders:read' });

    const registered = await server.admin<{ credentials: { kid: string }[] }>('GET', `/agents/${agentId}`);
    expect(registered.credentials.map((c) => c.kid)).toEqual([first.kid]);
  });

  it('refuses a replayed enrolment token with a typed invalid_grant that carries no secret', async () => {
    const agentId = await server.createAgent();
    const token = await server.enrollmentToken(agentId);
    await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: token });
    const replay = createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: token });
    await expect(replay).rejects.toBeInstanceOf(OAuthClientError);
    const error = (await replay.catch((e: unknown) => e)) as OAuthClientError;
    expect(error.error).toBe('invalid_grant');
    expect(error.status).toBe(400);
    expect(JSON.stringify(error) + inspect(error) + error.message + String(error.stack)).not.toContain(token.slice(6));
  });
});

describe('tokens against a real server', () => {
  let agent: Agent;
  let counter: ReturnType<typeof countingFetch>;
  let agentId: string;
  beforeAll(async () => {
    agentId = await server.createAgent();
    counter = countingFetch();
    agent = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId), fetch: counter.fetch });
  });

  it('reuses the cached token per (resource, scope) and fetches another for another scope', async () => {
    counter.reset();
    const a = await agent.getToken({ resource: RESOURCE, scope: 'orders:read' });
    const b = await agent.getToken({ resource: RESOURCE, scope: 'orders:read' });
    expect(b.accessToken).toBe(a.accessToken);
    expect(counter.count('/token')).toBe(1);
    const c = await agent.getToken({ resource: RESOURCE, scope: 'orders:write' });
    expect(c.accessToken).not.toBe(a.accessToken);
    expect(counter.count('/token')).toBe(2);
  });

  it('lets concurrent callers share one token request', async () => {
    counter.reset();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => agent.getToken({ resource: RESOURCE, scope: 'orders:read orders:write' })));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(counter.count('/token')).toBe(1);
  });

  it('does not keep a token that was in flight when the tokens were cleared (a certificate was replaced meanwhile, say)', async () => {
    const id = await server.createAgent();
    const fetches = countingFetch();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: typeof fetch = async (input, init) => {
      if (new URL(input instanceof Request ? input.url : input).pathname === '/token') await gate;
      return fetches.fetch(input, init);
    };
    const local = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(id), fetch: held });
    // getToken registers its request at once; the gate holds its answer until after the clear.
    const before = local.getToken({ resource: RESOURCE, scope: 'orders:read' });
    local.clearTokens();
    release();
    const stale = await before;
    const after = await local.getToken({ resource: RESOURCE, scope: 'orders:read' });
    expect(after.accessToken).not.toBe(stale.accessToken);
    expect(fetches.count('/token')).toBe(2);
  });

  it('surfaces a refusal as OAuthClientError with the OAuth code, without retrying a 4xx', async () => {
    counter.reset();
    const refused = await agent.getToken({ resource: RESOURCE, scope: 'admin:everything' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OAuthClientError);
    expect((refused as OAuthClientError).error).toBe('invalid_scope');
    expect(counter.count('/token')).toBe(1);
  });

  it('never shows the private key: JSON.stringify, util.inspect, errors', async () => {
    const keyStore = memoryKeyStore();
    const id = await server.createAgent();
    const local = await createAgent({ issuer: server.issuer, keyStore, enrollmentToken: await server.enrollmentToken(id) });
    const d = (await keyStore.load())?.privateJwk.d as string;
    expect(d.length).toBeGreaterThan(20);
    const error = await local.getToken({ resource: RESOURCE, scope: 'nope' }).catch((e: unknown) => e);
    for (const text of [JSON.stringify(local), inspect(local, { showHidden: true, depth: 10 }), JSON.stringify(error), inspect(error, { showHidden: true, depth: 10 }), String((error as Error).stack)]) {
      expect(text).not.toContain(d);
    }
    expect(JSON.parse(JSON.stringify(local))).toEqual({ issuer: server.issuer, clientId: id, kid: local.kid });
  });

  it('refreshes ahead of expiry on a frozen clock: the old token meanwhile, then the new one', async () => {
    const id = await server.createAgent({ access_token_ttl: 20 });
    // The SDK clock starts 15 s in the past so that after moving it 16 s on, assertions are still
    // within the server's clock skew.
    let now = Date.now() - 15_000;
    const fetches = countingFetch();
    const local = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(id), now: () => now, random: () => 0, fetch: fetches.fetch });
    const first = await local.getToken({ resource: RESOURCE, scope: 'orders:read' });
    expect(first.expiresAt).toBe(now + 20_000);
    now += 14_000; // refresh time: 20 s - max(5 s, 20 s / 5) = 15 s after issue; not yet
    expect((await local.getToken({ resource: RESOURCE, scope: 'orders:read' })).accessToken).toBe(first.accessToken);
    expect(fetches.count('/token')).toBe(1);
    now += 2_000; // 16 s: in the refresh window, still 4 s from expiry... under the 5 s floor, so callers wait
    const refreshed = await local.getToken({ resource: RESOURCE, scope: 'orders:read' });
    expect(refreshed.accessToken).not.toBe(first.accessToken);
    expect(fetches.count('/token')).toBe(2);
  });

  it('serves the old token while a background refresh runs, then the new one', async () => {
    const id = await server.createAgent({ access_token_ttl: 60 });
    // 50 s in the past: after moving 48.5 s on, the SDK clock is close to the server's again.
    let now = Date.now() - 50_000;
    const fetches = countingFetch();
    const local = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(id), now: () => now, random: () => 0, fetch: fetches.fetch });
    const first = await local.getToken({ scope: 'orders:read', resource: RESOURCE });
    // Lifetime 60 s: refresh 12 s before expiry, 48 s after issue. Move there: 11.5 s are left.
    now += 48_500;
    const during = await local.getToken({ scope: 'orders:read', resource: RESOURCE });
    expect(during.accessToken).toBe(first.accessToken);
    // The refresh answers when the server does: no deadline but the test's.
    let next = during;
    while (next.accessToken === first.accessToken) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      next = await local.getToken({ scope: 'orders:read', resource: RESOURCE });
    }
    expect(next.accessToken).not.toBe(first.accessToken);
    expect(next.expiresAt).toBeGreaterThan(first.expiresAt);
    expect(fetches.count('/token')).toBe(2);
  });
});

describe('key rotation and restarts against a real server', () => {
  it('rotates the key under continuous token requests with zero failures, and removes the old key', async () => {
    const id = await server.createAgent();
    const keyStore = memoryKeyStore();
    // A slow network on the way to /token: assertions signed with the old key are still on the
    // wire when the rotation wants to remove that key.
    const slowTokenFetch: typeof fetch = async (input, init) => {
      if (new URL(input instanceof Request ? input.url : input).pathname === '/token') await new Promise((resolve) => setTimeout(resolve, 80));
      return fetch(input, init);
    };
    const agent = await createAgent({ issuer: server.issuer, keyStore, enrollmentToken: await server.enrollmentToken(id), fetch: slowTokenFetch });
    const firstKid = agent.kid;
    let stop = false;
    let ok = 0;
    const failures: unknown[] = [];
    const worker = async () => {
      while (!stop) {
        agent.clearTokens();
        try {
          await agent.getToken({ resource: RESOURCE, scope: 'orders:read' });
          ok++;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    // Requests keep flowing before, between and after the rotations: counted, not timed.
    const moreTokens = async (count: number) => {
      const target = ok + count;
      await until(() => ok >= target || failures.length > 0);
    };
    await moreTokens(3);
    const r1 = await agent.rotateKey();
    await moreTokens(3);
    const r2 = await agent.rotateKey();
    await moreTokens(3);
    stop = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(r1.previousKid).toBe(firstKid);
    expect(r2.previousKid).toBe(r1.kid);
    const registered = await server.admin<{ credentials: { kid: string }[] }>('GET', `/agents/${id}`);
    expect(registered.credentials.map((c) => c.kid)).toEqual([r2.kid]);
    const stored = await keyStore.load();
    expect(stored).toMatchObject({ kid: r2.kid, clientId: id });
    expect(stored?.retiredKid).toBeUndefined();
  });

  it('recovers when the server restarts in the middle: requests are retried until it is back', async () => {
    const id = await server.createAgent();
    // Enough attempts to outlast a restart on a loaded machine.
    const agent = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(id), retry: { attempts: 200, baseDelayMs: 100, maxDelayMs: 500 } });
    const before = await agent.getToken({ resource: RESOURCE, scope: 'orders:read' });
    await server.stop();
    const during = agent.getToken({ resource: RESOURCE, scope: 'orders:write' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.start();
    const after = await during;
    expect(decodeJwt(after.accessToken)).toMatchObject({ sub: id, scope: 'orders:write' });
    // The cached token from before the restart is still served (and still valid: same signing keys).
    expect((await agent.getToken({ resource: RESOURCE, scope: 'orders:read' })).accessToken).toBe(before.accessToken);
  });
});
