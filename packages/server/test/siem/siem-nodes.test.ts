import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FrozenClock } from '../../src/clock.js';
import type { AgentAuthServer } from '../../src/main/create-server.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { until } from '../support/until.js';
import { sequences, siemStatus, startOn, traffic } from './siem-support.js';

/** Two nodes on one PostgreSQL, both configured with the same webhook (docs/monitoring.md, "SIEM export"). */
describe('SIEM export from two nodes sharing a database', () => {
  const servers: AgentAuthServer[] = [];
  let receiver: Server | undefined;
  const dirs: string[] = [];
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    receiver?.close();
    await drop?.();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('sends each record once: one node at a time holds the sink, and the other takes over when it stops', async () => {
    const database = await createPostgresDatabase();
    drop = database.drop;
    const received: Record<string, unknown>[] = [];
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) if (line !== '') received.push(JSON.parse(line) as Record<string, unknown>);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const env = {
      AGENTAUTH_SIEM_WEBHOOK: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`,
      AGENTAUTH_SIEM_WEBHOOK_SECRET: 'n'.repeat(40),
      AGENTAUTH_SIEM_WEBHOOK_ALLOW_PRIVATE: 'true',
      AGENTAUTH_SIEM_BATCH_SIZE: '3',
    };
    const clocks: FrozenClock[] = [];
    for (let i = 0; i < 2; i++) {
      dirs.push(await mkdtemp(join(tmpdir(), 'agentauth-siem-')));
      const started = await startOn(dirs[i] as string, env, database.url);
      servers.push(started.server);
      clocks.push(started.clock);
      await traffic(started.server, started.clock);
    }
    const caughtUp = async (server: AgentAuthServer) => {
      const status = await siemStatus(server);
      return status.sinks[0]?.lag === 0 && received.length >= status.head_seq;
    };
    await until(() => caughtUp(servers[1]!));
    const head = (await siemStatus(servers[1]!)).head_seq;
    expect(sequences(received)).toEqual(Array.from({ length: head }, (_, i) => i + 1));

    // The holder stops (giving the sink up); the other node continues from the checkpoint.
    await servers.shift()!.close();
    const [survivor] = servers as [AgentAuthServer];
    await traffic(survivor, clocks[1] as FrozenClock);
    await until(() => caughtUp(survivor));
    expect(sequences(received)).toEqual(Array.from({ length: (await siemStatus(survivor)).head_seq }, (_, i) => i + 1));
  });
});
