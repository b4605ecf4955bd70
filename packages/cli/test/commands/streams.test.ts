import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/index.js';
import { BOOTSTRAP_TOKEN, type TestAgent } from '../../../server/test/support/test-server.js';
import { accessToken, call, createData, receiverAgent, startServer, type RunningServer, type SignalsData } from '../../../server/test/signals/ssf-harness.js';
import { testIo } from '../helpers/admin-stub.js';

// The CLI against a real server whose receivers made their streams through the SSF API.
let data: SignalsData;
let running: RunningServer;
let receiver: TestAgent;
let env: Record<string, string>;

beforeAll(async () => {
  data = await createData('sqlite');
  running = await startServer(data);
  receiver = await receiverAgent(running.server);
  env = { AGENTAUTH_URL: running.base, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP_TOKEN };
});
afterAll(async () => {
  await running.stop();
  await data.destroy();
});

const create = async (description: string) => ((await call(running, 'POST', '/ssf/streams', await accessToken(running, receiver), { description })).body as { stream_id: string }).stream_id;

describe('agentauth streams', () => {
  it('lists the streams (table, pages, --json), deletes one, and the receiver no longer has it', async () => {
    const ids = [await create('orders-api'), await create('billing-api')].sort();

    const table = testIo(env);
    expect(await main(['streams', 'list'], table.io)).toBe(0);
    const lines = table.stdout().split('\n');
    expect(lines[0]).toMatch(/^STREAM +AGENT +DELIVERY +STATUS +LAST SEEN +DESCRIPTION$/);
    expect(lines.filter((l) => l.includes(receiver.id) && / poll +enabled /.test(l))).toHaveLength(2);

    const paged = testIo(env);
    expect(await main(['streams', 'list', '--agent', receiver.id, '--limit', '1', '--json'], paged.io)).toBe(0);
    const page = JSON.parse(paged.stdout()) as { items: { stream_id: string }[]; next_cursor: string };
    expect(page.items.map((s) => s.stream_id)).toEqual([ids[0]]);
    const next = testIo(env);
    expect(await main(['streams', 'list', '--agent', receiver.id, '--cursor', page.next_cursor, '--json'], next.io)).toBe(0);
    expect((JSON.parse(next.stdout()) as { items: { stream_id: string }[] }).items.map((s) => s.stream_id)).toEqual([ids[1]]);

    const deleted = testIo(env);
    expect(await main(['streams', 'delete', ids[0] as string], deleted.io), deleted.stderr()).toBe(0);
    expect(deleted.stdout()).toBe(`deleted stream ${ids[0] as string}\n`);
    expect((await call(running, 'GET', `/ssf/streams?stream_id=${ids[0] as string}`, await accessToken(running, receiver))).status).toBe(404);

    const again = testIo(env);
    expect(await main(['streams', 'delete', ids[0] as string], again.io)).toBe(1);
    expect(again.stderr()).toContain('not_found');
  });

  it('refuses a --limit out of range before asking the server (usage error)', async () => {
    const { io, stderr } = testIo(env);
    expect(await main(['streams', 'list', '--limit', '501'], io)).toBe(2);
    expect(stderr()).toContain('--limit must be an integer from 1 to 500');
  });
});
