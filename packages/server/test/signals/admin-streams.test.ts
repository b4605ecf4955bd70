import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, type TestAgent } from '../support/test-server.js';
import { accessToken, call, createData, receiverAgent, startServer, type RunningServer, type SignalsData } from './ssf-harness.js';

// The operator's view of every receiver's streams: list (paged, by agent) and delete (audited).
describe.each(BACKENDS)('admin API /streams (%s)', (backend) => {
  let data: SignalsData;
  let running: RunningServer;
  let first: TestAgent;
  let second: TestAgent;

  beforeAll(async () => {
    data = await createData(backend);
    running = await startServer(data, { AGENTAUTH_SIGNALS_ALLOW_PRIVATE_RECEIVERS: 'true' });
    first = await receiverAgent(running.server);
    second = await receiverAgent(running.server);
  });
  afterAll(async () => {
    await running.stop();
    await data.destroy();
  });

  const admin = (method: 'GET' | 'DELETE', url: string) => running.server.app.inject({ method, url: `/admin/v1${url}`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
  const create = async (agent: TestAgent, body: Record<string, unknown>) => ((await call(running, 'POST', '/ssf/streams', await accessToken(running, agent), body)).body as { stream_id: string }).stream_id;

  it('lists every receiver\'s streams a page at a time, or one agent\'s, never showing a push secret', async () => {
    const a = await create(first, { description: 'orders' });
    const b = await create(first, { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'http://127.0.0.1:9/events/secret-path?key=s3cret', authorization_header: 'Bearer receiver-secret' } });
    const c = await create(second, {});

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin('GET', `/streams?limit=1${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      expect(page.statusCode).toBe(200);
      const body = page.json() as { items: { stream_id: string }[]; next_cursor?: string };
      expect(body.items.length).toBeLessThanOrEqual(1);
      seen.push(...body.items.map((s) => s.stream_id));
      cursor = body.next_cursor;
    } while (cursor !== undefined);
    expect(seen).toEqual([a, b, c].sort());

    const mine = await admin('GET', `/streams?agent_id=${first.id}`);
    expect(mine.body).not.toMatch(/secret/);
    const items = (mine.json() as { items: Record<string, unknown>[] }).items;
    expect(items.map((s) => s.stream_id).sort()).toEqual([a, b].sort());
    expect(items.find((s) => s.stream_id === a)).toMatchObject({ agent_id: first.id, delivery_method: 'urn:ietf:rfc:8936', receiver_origin: null, description: 'orders', status: 'enabled' });
    expect(items.find((s) => s.stream_id === b)).toMatchObject({ delivery_method: 'urn:ietf:rfc:8935', receiver_origin: 'http://127.0.0.1:9' });

    expect((await admin('GET', '/streams?cursor=not-ours!')).json()).toMatchObject({ code: 'validation_failed' });
  });

  it('deletes a stream (204, audited with the administrator as actor); its receiver then gets 404, and a second delete 404', async () => {
    const id = await create(second, { description: 'to delete' });
    expect((await admin('DELETE', `/streams/${id}`)).statusCode).toBe(204);
    expect((await call(running, 'GET', `/ssf/streams?stream_id=${id}`, await accessToken(running, second))).status).toBe(404);
    expect((await admin('DELETE', `/streams/${id}`)).json()).toMatchObject({ status: 404, code: 'not_found' });

    const audit = (await admin('GET', `/audit?event=ssf_stream.deleted&agent_id=${second.id}`)).json() as { items: Record<string, unknown>[] };
    expect(audit.items).toEqual([expect.objectContaining({ actor: 'admin:bootstrap', agent_id: second.id, details: { stream_id: id } })]);
  });
});
