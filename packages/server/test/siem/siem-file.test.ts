import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentAuthServer } from '../../src/main/create-server.js';
import { BACKENDS, BOOTSTRAP_TOKEN } from '../support/test-server.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { until } from '../support/until.js';
import { expectOcsfEvent, sequences, siemStatus, startOn, traffic } from './siem-support.js';

async function lines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The SIEM export's file sink from a real server (docs/monitoring.md, "SIEM export"): what the
 * server audits arrives as OCSF JSON lines, once, in order, across a restart on the same database.
 */
describe.each(BACKENDS)('SIEM export to a file (%s)', (backend) => {
  let server: AgentAuthServer | undefined;
  let dir: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  let hanging: Server | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    hanging?.closeAllConnections();
    hanging?.close();
    hanging = undefined;
    await dropDatabase?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends every audit record as an OCSF event, resumes after a restart without sending any again, and keeps secrets out', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
    dropDatabase = database?.drop;
    const file = join(dir, 'audit.ocsf.jsonl');
    let started = await startOn(dir, { AGENTAUTH_SIEM_FILE: file }, database?.url);
    server = started.server;
    const secrets = [await traffic(server, started.clock)];

    const caughtUp = async () => {
      const status = await siemStatus(server!);
      return status.sinks[0]?.lag === 0 && status.head_seq > 0;
    };
    await until(caughtUp);
    const first = await lines(file);
    const head = (await siemStatus(server)).head_seq;
    expect(sequences(first)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    for (const event of first) expectOcsfEvent(event);

    const issued = first.find((event) => event.message === 'access_token.issued') as Record<string, unknown>;
    expect(issued).toMatchObject({ class_uid: 3002, activity_id: 3, status_id: 1, severity_id: 1, auth_protocol_id: 6, user: { type_id: 99, type: 'Agent' } });
    const failed = first.find((event) => event.message === 'client_authentication.failed') as Record<string, unknown>;
    expect(failed).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 2, status: 'Failure', severity_id: 3, src_endpoint: { ip: '127.0.0.1' } });
    expect(typeof failed.status_detail).toBe('string');
    const registered = first.find((event) => event.message === 'agent.registered') as Record<string, unknown>;
    expect(registered).toMatchObject({ class_uid: 3001, activity_id: 1, actor: { user: { type_id: 2, type: 'Admin', uid: 'bootstrap' } } });
    expect((await siemStatus(server)).sinks).toEqual([expect.objectContaining({ sink: 'file', configured: true, seq: head, lag: 0, failing: false, last_error: null })]);

    // Stop, start again on the same database: the export resumes after what the file acknowledged.
    await server.close();
    server = undefined;
    started = await startOn(dir, { AGENTAUTH_SIEM_FILE: file }, database?.url);
    server = started.server;
    secrets.push(await traffic(server, started.clock));
    await until(caughtUp);
    const all = await lines(file);
    const newHead = (await siemStatus(server)).head_seq;
    expect(newHead).toBeGreaterThan(head);
    expect(sequences(all)).toEqual(Array.from({ length: newHead }, (_, i) => i + 1));
    expect(all.slice(0, first.length)).toEqual(first);
    expect(all.slice(first.length).map((event) => event.message)).toContain('access_token.issued');

    const text = await readFile(file, 'utf8');
    for (const { accessToken, assertion } of secrets) {
      for (const part of [...accessToken.split('.'), ...assertion.split('.')]) expect(text).not.toContain(part);
    }
    expect(text).not.toContain(BOOTSTRAP_TOKEN);
  });

  it('issues tokens while another sink hangs, and reports that sink behind with its error', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
    dropDatabase = database?.drop;
    // A receiver that takes every request and never answers.
    let requests = 0;
    hanging = createServer(() => {
      requests++;
    });
    await new Promise<void>((resolve) => hanging!.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as { port: number }).port;
    const file = join(dir, 'audit.ocsf.jsonl');
    const started = await startOn(
      dir,
      { AGENTAUTH_SIEM_FILE: file, AGENTAUTH_SIEM_WEBHOOK: `http://127.0.0.1:${port}/siem`, AGENTAUTH_SIEM_WEBHOOK_SECRET: 'w'.repeat(40), AGENTAUTH_SIEM_WEBHOOK_ALLOW_PRIVATE: 'true' },
      database?.url,
    );
    server = started.server;
    await until(() => requests > 0);
    // The webhook is holding a request open: tokens are still issued, and the file keeps up.
    for (let i = 0; i < 3; i++) await traffic(server, started.clock);
    await until(async () => (await siemStatus(server!)).sinks.find((s) => s.sink === 'file')?.lag === 0);
    const status = await siemStatus(server);
    const webhook = status.sinks.find((s) => s.sink === 'webhook');
    expect(webhook).toMatchObject({ configured: true, seq: 0, lag: status.head_seq });
    await until(async () => (await siemStatus(server!)).sinks.find((s) => s.sink === 'webhook')?.failing === true);
    const failing = (await siemStatus(server)).sinks.find((s) => s.sink === 'webhook');
    expect(failing?.last_error).toMatch(/timeout|did not answer/);
    expect(failing?.last_error).not.toContain('/siem');
  });
});
