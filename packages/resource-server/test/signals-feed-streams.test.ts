import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalsFeed, FetchJsonError, type SignalsFeed, type SignalsFeedOptions } from '../src/index.js';
import { createAgent, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

// A feed's streams at the transmitter: an ephemeral stream goes with its feed, a named one comes
// back after a restart, and a receiver past the limit is told why.

let server: RealServer;
const feeds: SignalsFeed[] = [];

beforeAll(async () => {
  server = await startRealServer();
});
afterAll(async () => {
  for (const feed of feeds) await feed.close({ deleteStream: false });
  await server.close();
});

async function receiver(): Promise<TestAgent> {
  return createAgent(server.server, { scopes: ['agentauth:signals'], resources: [server.issuer] });
}

/** The feed reads the server's frozen clock, so its client assertions are never ahead of it. */
function feed(agent: TestAgent, overrides: Partial<SignalsFeedOptions> = {}): SignalsFeed {
  const created = createSignalsFeed({ issuer: server.issuer, credentials: { clientId: agent.id, privateKey: agent.privateKey, alg: 'ES256', kid: agent.kid }, now: () => server.clock.now(), ...overrides });
  feeds.push(created);
  return created;
}

const streamsOf = async (agent: TestAgent) => (await server.server.deps.store.listStreams(agent.id)).map((s) => s.streamId);

describe('a signals feed and its SSF stream', () => {
  it('deletes the stream it made when closed, so a service may start and stop a feed 20 times (the limit is 16)', async () => {
    const agent = await receiver();
    const errors: unknown[] = [];
    for (let i = 0; i < 20; i += 1) {
      const each = feed(agent, { onError: (error) => errors.push(error) });
      await each.start();
      expect(await streamsOf(agent)).toEqual([each.status().streamId]);
      await each.close();
    }
    expect(await streamsOf(agent)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps the stream on close when asked to, and takes a named stream back on restart', async () => {
    const agent = await receiver();
    const first = feed(agent, { streamName: 'orders-api' });
    await first.start();
    const { streamId } = first.status();
    await first.close();
    expect(await streamsOf(agent)).toEqual([streamId]);

    const second = feed(agent, { streamName: 'orders-api' });
    await second.start();
    expect(second.status().streamId).toBe(streamId);
    await second.close({ deleteStream: true });
    expect(await streamsOf(agent)).toEqual([]);
  });

  it('keeps only error and error_description of a refusal, and neither when it breaks RFC 6749 section 5.2', async () => {
    const agent = await receiver();
    let answer: Record<string, unknown> = {};
    // The real server answers discovery and tokens; the stream creation is refused with `answer`.
    const refusing: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && String(input).endsWith('/ssf/streams')) return Response.json(answer, { status: 403 });
      return fetch(input, init);
    };
    answer = { error: 'forbidden', error_description: 'no more streams', internal: 'secret-detail' };
    const kept = await feed(agent, { fetch: refusing }).start().catch((e: unknown) => e);
    expect(kept).toMatchObject({ status: 403, error: 'forbidden', errorDescription: 'no more streams' });
    expect(JSON.stringify({ ...(kept as object), message: (kept as Error).message })).not.toContain('secret-detail');

    answer = { error: 'forbidden', error_description: 'line\nbreak "quoted"' };
    const dropped = await feed(agent, { fetch: refusing }).start().catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(FetchJsonError);
    expect((dropped as FetchJsonError).errorDescription).toBeUndefined();
    expect((dropped as FetchJsonError).error).toBe('forbidden');
  });

  it('deletes the ephemeral stream of a start() that fails after making it', async () => {
    const agent = await receiver();
    // The first poll (the backlog) is refused, after the stream was made.
    const pollRefused: typeof fetch = async (input, init) => (String(input).includes('/ssf/poll/') ? new Response(null, { status: 500 }) : fetch(input, init));
    const error = await feed(agent, { fetch: pollRefused }).start().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500 });
    expect(await streamsOf(agent)).toEqual([]);
  });

  it('refuses a streamName outside its alphabet at once (TypeError)', async () => {
    const agent = await receiver();
    expect(() => feed(agent, { streamName: 'orders api' })).toThrow(TypeError);
    expect(() => feed(agent, { streamName: 'x'.repeat(65) })).toThrow(TypeError);
  });

  it('rejects start() past the 16 streams a receiver may hold with the server\'s 403 and its description', async () => {
    const agent = await receiver();
    for (let i = 0; i < 16; i += 1) {
      const kept = feed(agent, { streamName: `replica-${i}` });
      await kept.start();
      await kept.close();
    }
    const error = await feed(agent).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchJsonError);
    expect(error).toMatchObject({ status: 403, error: 'forbidden' });
    expect((error as FetchJsonError).errorDescription).toMatch(/already has the most event streams allowed \(16\)/);
    expect((error as FetchJsonError).message).toContain('(16)');
    expect(await streamsOf(agent)).toHaveLength(16);
  });
});
