import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentAuthServer } from '../../src/main/create-server.js';
import { until } from '../support/until.js';
import { expectOcsfEvent, sequences, siemStatus, startOn, traffic } from './siem-support.js';

const SECRET = 'siem-webhook-secret-0123456789abcdefghij';

interface Delivery {
  status: number;
  body: string;
  contentType: string | undefined;
  signature: string | undefined;
}

/** A receiver that answers each POST with the next status of `statuses` (then 200), keeping what came. */
async function receiver(statuses: number[]): Promise<{ server: Server; url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = statuses.shift() ?? 200;
      deliveries.push({ status, body: Buffer.concat(chunks).toString('utf8'), contentType: request.headers['content-type'], signature: request.headers['x-agentauth-signature'] as string | undefined });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/ingest?token=receiver-credential`, deliveries };
}

/** What a receiver checks: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
function verifySignature(delivery: Delivery): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.signature ?? '');
  if (match === null) return false;
  const expected = createHmac('sha256', SECRET).update(`${match[1]}.${delivery.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'));
}

const events = (body: string) =>
  body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The SIEM export's webhook sink against real receivers (docs/monitoring.md, "SIEM export"). */
describe('SIEM export to a webhook', () => {
  let server: AgentAuthServer | undefined;
  let peer: Server | undefined;
  let dir: string;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    peer?.close();
    peer = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every record once and in order through a receiver that fails at first, signed, and resumes after a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    const flaky = await receiver([503, 500]);
    peer = flaky.server;
    const env = { AGENTAUTH_SIEM_WEBHOOK: flaky.url, AGENTAUTH_SIEM_WEBHOOK_SECRET: SECRET, AGENTAUTH_SIEM_WEBHOOK_ALLOW_PRIVATE: 'true', AGENTAUTH_SIEM_BATCH_SIZE: '2' };
    let started = await startOn(dir, env);
    server = started.server;
    await traffic(server, started.clock);
    const accepted = () => flaky.deliveries.filter((d) => d.status === 200).flatMap((d) => events(d.body));
    const caughtUp = async () => {
      const status = await siemStatus(server!);
      return status.sinks[0]?.lag === 0 && accepted().length === status.head_seq;
    };
    await until(caughtUp);

    const head = (await siemStatus(server)).head_seq;
    expect(sequences(accepted())).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // The two refusals were the first batch, sent again until it was taken.
    const [first, second, third] = flaky.deliveries;
    expect([first?.status, second?.status, third?.status]).toEqual([503, 500, 200]);
    expect(second?.body).toBe(first?.body);
    expect(third?.body).toBe(first?.body);
    for (const delivery of flaky.deliveries) {
      expect(delivery.contentType).toBe('application/x-ndjson');
      expect(verifySignature(delivery)).toBe(true);
      expect(events(delivery.body).length).toBeLessThanOrEqual(2);
    }
    for (const event of accepted()) expectOcsfEvent(event);
    const status = (await siemStatus(server)).sinks[0];
    expect(status).toMatchObject({ sink: 'webhook', seq: head, lag: 0, failing: false });
    // The last failure stays visible after recovery, without the URL's credential.
    expect(status?.last_error).toMatch(/answered 500/);
    expect(status?.last_error).not.toContain('receiver-credential');

    await server.close();
    server = undefined;
    const before = flaky.deliveries.length;
    started = await startOn(dir, env);
    server = started.server;
    await traffic(server, started.clock);
    await until(caughtUp);
    const after = flaky.deliveries.slice(before).flatMap((d) => events(d.body));
    expect(sequences(after)[0]).toBe(head + 1);
    expect(sequences(accepted())).toEqual(Array.from({ length: (await siemStatus(server)).head_seq }, (_, i) => i + 1));
  });

  it('sends nothing to a private address unless allowed: the SSRF guard refuses it and the status says so', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    const target = await receiver([]);
    peer = target.server;
    const started = await startOn(dir, { AGENTAUTH_SIEM_WEBHOOK: target.url, AGENTAUTH_SIEM_WEBHOOK_SECRET: SECRET });
    server = started.server;
    await traffic(server, started.clock);
    await until(async () => (await siemStatus(server!)).sinks[0]?.failing === true);
    expect((await siemStatus(server)).sinks[0]).toMatchObject({ sink: 'webhook', seq: 0, failing: true, last_error: expect.stringMatching(/refused address|plain http/) });
    expect(target.deliveries).toEqual([]);
  });

  it('refuses to start with a webhook but no key to sign with', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-siem-'));
    await expect(startOn(dir, { AGENTAUTH_SIEM_WEBHOOK: 'https://siem.example.com/ingest' })).rejects.toThrow(/AGENTAUTH_SIEM_WEBHOOK_SECRET/);
  });
});
