import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRawDatabase } from '../support/raw-database.js';
import { BACKENDS, ISSUER, type TestAgent } from '../support/test-server.js';
import { until } from '../support/until.js';
import { accessToken, call, createData, receiverAgent, startServer, verifySet, type RunningServer, type SignalsData } from './ssf-harness.js';

const PUSH = 'urn:ietf:rfc:8935';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

interface Received {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

/** A local RFC 8935 receiver answering each push with the next status of `statuses` (then 202). */
async function startReceiver(statuses: number[]): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ contentType: request.headers['content-type'], authorization: request.headers.authorization, body: Buffer.concat(chunks).toString() });
      const status = statuses.shift() ?? 202;
      response.writeHead(status, { 'content-type': 'application/json' }).end(status === 202 ? '' : JSON.stringify({ err: 'invalid_request', description: 'try later' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/events`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(BACKENDS)('SSF push delivery (%s)', (backend) => {
  describe('with private receivers allowed', () => {
    let data: SignalsData;
    let running: RunningServer;
    let receiver: TestAgent;
    let token: string;

    beforeAll(async () => {
      data = await createData(backend);
      running = await startServer(data, { AGENTAUTH_SIGNALS_ALLOW_PRIVATE_RECEIVERS: 'true' });
      receiver = await receiverAgent(running.server);
      token = await accessToken(running, receiver);
    });
    afterAll(async () => {
      await running.stop();
      await data.destroy();
    });

    it('pushes a SET with its authorization header, retries with backoff after failures, then counts it delivered', async () => {
      const endpoint = await startReceiver([503, 500]);
      try {
        const created = await call(running, 'POST', '/ssf/streams', token, {
          delivery: { method: PUSH, endpoint_url: endpoint.url, authorization_header: 'Bearer receiver-secret-123' },
          events_requested: [SESSION_REVOKED],
        });
        expect(created.status).toBe(201);
        const config = created.body as Record<string, unknown>;
        // The receiver's secret is kept for it, never echoed.
        expect(config.delivery).toEqual({ method: PUSH, endpoint_url: endpoint.url });
        expect(JSON.stringify(config)).not.toContain('receiver-secret');

        const readStream = () =>
          withRawDatabase(running.server.deps.config, (db) =>
            db
              .selectFrom('ssf_streams')
              .select(['push_delivered', 'last_push_error'])
              .where('stream_id', '=', config.stream_id as string)
              .executeTakeFirstOrThrow(),
          );
        // The receiver sees a push before its answer reaches us: the clock may only move once the
        // failure (and its retry time, taken from the clock) is recorded, or the retry falls after it.
        const failureRecorded = (error: string) => until(async () => (await readStream()).last_push_error === error);

        running.server.deps.events.publish({ kind: 'agent_revoked', agentId: 'agt_x', status: 'disabled', at: running.clock.now() });
        await until(() => endpoint.received.length === 1);
        await failureRecorded('status 503');
        // Backoff: with the clock standing still, no retry comes, however long we wait.
        await new Promise((resolve) => setTimeout(resolve, 1300));
        expect(endpoint.received).toHaveLength(1);
        running.clock.advance(60_000);
        await until(() => endpoint.received.length === 2);
        await failureRecorded('status 500');
        running.clock.advance(60_000);
        await until(() => endpoint.received.length === 3);

        for (const push of endpoint.received) {
          expect(push.contentType).toBe('application/secevent+jwt');
          expect(push.authorization).toBe('Bearer receiver-secret-123');
        }
        expect(new Set(endpoint.received.map((p) => p.body)).size).toBe(1);
        const { claims } = await verifySet(running, endpoint.received[0]?.body as string, receiver.id);
        expect(claims).toMatchObject({ iss: ISSUER, sub_id: { format: 'iss_sub', iss: ISSUER, sub: 'agt_x' } });

        // The count is written after the receiver's 202 reaches us: wait for it, do not race it.
        await until(async () => Number((await readStream()).push_delivered) === 1);
        const stream = await readStream();
        expect(Number(stream.push_delivered)).toBe(1);
        expect(stream.last_push_error).toBeNull();
        // The sealed header is not stored in the clear.
        const row = JSON.stringify(await withRawDatabase(running.server.deps.config, (db) => db.selectFrom('ssf_streams').selectAll().execute()));
        expect(row).not.toContain('receiver-secret');
      } finally {
        await endpoint.close();
      }
    });

    it('drops a SET the receiver refuses with 400 (not retried) and audits it', async () => {
      const endpoint = await startReceiver([400]);
      try {
        const created = await call(running, 'POST', '/ssf/streams', token, { delivery: { method: PUSH, endpoint_url: endpoint.url } });
        running.server.deps.events.publish({ kind: 'token_revoked', jti: 'refused-jti', agentId: receiver.id, at: running.clock.now(), reason: 'revoked' });
        await until(() => endpoint.received.length === 1);
        expect(endpoint.received[0]?.authorization).toBeUndefined();
        const streamId = (created.body as { stream_id: string }).stream_id;
        const pushFailed = async () => (await running.server.deps.store.queryAudit({ event: 'security_event.push_failed' }, { limit: 10 })).items.find((r) => r.details.stream_id === streamId);
        await until(async () => (await pushFailed()) !== undefined);
        expect(await pushFailed()).toMatchObject({ outcome: 'failure', actor: 'system', agentId: receiver.id, reason: 'status 400: invalid_request' });
        running.clock.advance(3_600_000);
        await new Promise((resolve) => setTimeout(resolve, 1300));
        expect(endpoint.received).toHaveLength(1);
      } finally {
        await endpoint.close();
      }
    });
  });

  describe('with private receivers refused (the default)', () => {
    let data: SignalsData;
    let running: RunningServer;
    let token: string;

    beforeAll(async () => {
      data = await createData(backend);
      running = await startServer(data);
      token = await accessToken(running, await receiverAgent(running.server));
    });
    afterAll(async () => {
      await running.stop();
      await data.destroy();
    });

    it('refuses loopback, private, link-local and metadata receiver URLs, and plain http', async () => {
      for (const url of [
        'http://127.0.0.1:9/events',
        'https://127.0.0.1/events',
        'https://localhost/events',
        'https://10.0.0.8/events',
        'https://192.168.1.1/events',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/events',
        'https://[::ffff:127.0.0.1]/events',
        'https://[fd00::1]/events',
        'https://0.0.0.0/events',
        'http://example.com/events',
        'https://user:pass@example.com/events',
        'ftp://example.com/events',
      ]) {
        const response = await call(running, 'POST', '/ssf/streams', token, { delivery: { method: PUSH, endpoint_url: url } });
        expect(response.status, url).toBe(400);
      }
      const stream = (await call(running, 'POST', '/ssf/streams', token, {})).body as { stream_id: string };
      const patched = await call(running, 'PATCH', '/ssf/streams', token, { stream_id: stream.stream_id, delivery: { method: PUSH, endpoint_url: 'https://127.0.0.1/x' } });
      expect(patched.status).toBe(400);
    });
  });
});
