import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, type TestAgent } from '../support/test-server.js';
import { accessToken, call, createData, pollSets, receiverAgent, startServer, type RunningServer, type SignalsData } from './ssf-harness.js';

const MINUTE = 60_000;

// A poll stream whose receiver stopped polling is deleted after AGENTAUTH_SSF_STREAM_IDLE_TTL
// (an hour here), audited; a poll keeps a stream alive, and push streams are not expired. The
// clock is frozen and moved; the sweep that the server's timer runs is run at once.
describe.each(BACKENDS)('idle SSF streams expire (%s)', (backend) => {
  let data: SignalsData;
  let running: RunningServer;
  let receiver: TestAgent;

  beforeAll(async () => {
    data = await createData(backend);
    running = await startServer(data, { AGENTAUTH_SSF_STREAM_IDLE_TTL: '3600', AGENTAUTH_SIGNALS_ALLOW_PRIVATE_RECEIVERS: 'true' });
    receiver = await receiverAgent(running.server);
  });
  afterAll(async () => {
    await running.stop();
    await data.destroy();
  });

  const create = async (body: Record<string, unknown>) => {
    const created = await call(running, 'POST', '/ssf/streams', await accessToken(running, receiver), body);
    expect(created.status).toBe(201);
    return created.body as { stream_id: string; delivery: { endpoint_url?: string } };
  };
  const exists = async (streamId: string) => (await call(running, 'GET', `/ssf/streams?stream_id=${streamId}`, await accessToken(running, receiver))).status;
  const expiredRecords = async () => {
    const response = await running.server.app.inject({ method: 'GET', url: '/admin/v1/audit?event=ssf_stream.expired', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    return (response.json() as { items: Record<string, unknown>[] }).items;
  };

  it('deletes a poll stream not polled for the idle time, keeps one polled meanwhile and a push stream, and audits each expiry', async () => {
    const polled = await create({ description: 'polled' });
    const silent = await create({ description: 'silent' });
    const push = await create({ delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'http://127.0.0.1:9/events' } });
    const createdAt = running.clock.now();

    running.clock.advance(30 * MINUTE);
    await pollSets(running, polled.delivery.endpoint_url as string, await accessToken(running, receiver));
    running.clock.advance(31 * MINUTE);
    expect(await running.server.idleStreams.sweep()).toBe(1);
    expect(await exists(silent.stream_id)).toBe(404);
    expect(await exists(polled.stream_id)).toBe(200);
    expect(await exists(push.stream_id)).toBe(200);
    expect(await expiredRecords()).toEqual([
      expect.objectContaining({
        event: 'ssf_stream.expired',
        outcome: 'success',
        agent_id: receiver.id,
        actor: 'system',
        reason: 'idle',
        details: { stream_id: silent.stream_id, last_seen_at: new Date(createdAt).toISOString(), idle_ttl_seconds: 3600 },
      }),
    ]);

    // Exactly at the idle time the stream stays; past it, it goes.
    running.clock.advance(29 * MINUTE);
    expect(await running.server.idleStreams.sweep()).toBe(0);
    running.clock.advance(1);
    expect(await running.server.idleStreams.sweep()).toBe(1);
    expect(await exists(polled.stream_id)).toBe(404);
    expect(await exists(push.stream_id)).toBe(200);
    expect(await expiredRecords()).toHaveLength(2);
  });

  it('frees the receiver\'s stream slots: a receiver at its limit may create streams again once the old ones expire', async () => {
    const full = await receiverAgent(running.server);
    const token = await accessToken(running, full);
    for (let i = 0; i < 16; i += 1) expect((await call(running, 'POST', '/ssf/streams', token, {})).status).toBe(201);
    const refused = await call(running, 'POST', '/ssf/streams', token, {});
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'forbidden', error_description: expect.stringContaining('the most event streams allowed (16)') as unknown });

    running.clock.advance(61 * MINUTE);
    await running.server.idleStreams.sweep();
    expect((await call(running, 'POST', '/ssf/streams', await accessToken(running, full), {})).status).toBe(201);
  });
});
