import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, startListeningTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const SECRET = 'anomaly-webhook-secret-0123456789abcdefghijklm';
const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const CLI = fileURLToPath(new URL('../../../cli/bin/agentauth.js', import.meta.url));
const HOUR = 3_600_000;

interface Posted {
  signature: string;
  body: string;
  json: { type: string; text: string; anomaly: Record<string, unknown> };
}

async function receiver(): Promise<{ url: string; posted: Posted[]; close(): Promise<void> }> {
  const posted: Posted[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      posted.push({ signature: String(request.headers['x-agentauth-signature']), body, json: JSON.parse(body) as Posted['json'] });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posted, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What a receiver does: recompute the HMAC over `<t>.<body>` and compare. */
function verifies(post: Posted): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(post.signature);
  if (match === null) return false;
  return createHmac('sha256', SECRET).update(`${match[1]}.${post.body}`).digest('hex') === match[2];
}

/** The built CLI as a real process, against the listening server. */
async function agentauth(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) env[name] = value;
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], { env: { ...env, AGENTAUTH_URL: url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP_TOKEN } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * Anomaly detection through the doors an operator uses: a real server with detection on (one hour
 * of learning, the clock frozen and stepped), token requests over HTTP, the admin API, the CLI as a
 * process, and the webhook at a local HTTP listener. A high anomaly suspends the agent.
 */
describe('anomaly detection end to end', () => {
  let t: TestServer;
  let issuer: string;
  let agent: TestAgent;
  let rx: Awaited<ReturnType<typeof receiver>>;

  const token = async (params: Record<string, string>) => {
    const assertion = await clientAssertion(agent, t.clock.now(), { claims: { aud: issuer } });
    return t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...params }) });
  };
  const settle = async () => {
    await t.server.anomalies.monitor?.idle();
    await t.server.anomalies.delivery.idle();
  };
  const anomalies = async () => (await t.server.app.inject({ method: 'GET', url: `/admin/v1/anomalies?agent_id=${agent.id}`, headers: ADMIN })).json() as { items: Record<string, unknown>[] };

  beforeAll(async () => {
    rx = await receiver();
    const listening = await startListeningTestServer('sqlite', {
      AGENTAUTH_ANOMALY_DETECTION: 'true',
      AGENTAUTH_ANOMALY_LEARNING_PERIOD: '3600',
      AGENTAUTH_ANOMALY_WEBHOOK: rx.url,
      AGENTAUTH_ANOMALY_WEBHOOK_SECRET: SECRET,
      AGENTAUTH_ANOMALY_ALLOW_PRIVATE_WEBHOOK: 'true',
      AGENTAUTH_ANOMALY_SUSPEND_SEVERITY: 'high',
    });
    t = listening.t;
    issuer = listening.issuer.origin;
    // A round hour, so the steps below stay in known hours.
    t.clock.set(Math.ceil(t.clock.now() / HOUR) * HOUR + 10 * 60_000);
    await t.server.anomalies.monitor?.ready;
    agent = await createAgent(t.server, { scopes: ['orders:read'] });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });

  it('learns first: refusals inside the learning period raise nothing', async () => {
    expect((await token({ scope: 'orders:read', resource: 'https://api.example.com' })).statusCode).toBe(200);
    for (let i = 0; i < 12; i += 1) expect((await token({ scope: 'orders:delete' })).json()).toMatchObject({ error: 'invalid_scope' });
    await settle();
    expect((await anomalies()).items).toEqual([]);
    expect(rx.posted).toEqual([]);
  });

  it('past its learning period, a burst of refusals is an anomaly: admin API, webhook with a valid HMAC, suspension', async () => {
    t.clock.advance(2 * HOUR);
    // Ten refusals: the spike's default floor, the tenth tips it.
    for (let i = 0; i < 10; i += 1) {
      const refused = await token({ scope: `admin:${i}` });
      // The burst itself is answered as it always is: detection never fails a request.
      expect(refused.json()).toMatchObject({ error: 'invalid_scope' });
    }
    await settle();
    const { items } = await anomalies();
    expect(items).toHaveLength(1);
    const anomaly = items[0] as { id: string; detector: string; severity: string; state: string; evidence: string };
    expect(anomaly).toMatchObject({ detector: 'refusal_spike', severity: 'high', state: 'open' });
    expect(anomaly.evidence).toMatch(/^10 refused requests \(invalid_scope, invalid_target, failed client authentication\) within 10 minutes, usually \d/);

    expect(rx.posted).toHaveLength(1);
    const post = rx.posted[0] as Posted;
    expect(verifies(post)).toBe(true);
    expect(post.json).toMatchObject({ type: 'anomaly.detected', anomaly: { id: anomaly.id, agent_id: agent.id, detector: 'refusal_spike', severity: 'high' } });
    expect(post.json.text).toContain('Anomaly (high) of agent test-agent: refusal_spike: 10 refused requests');

    const shown = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/agents/${agent.id}`, headers: ADMIN })).json() as { status: string };
    expect(shown.status).toBe('suspended');
    expect((await token({ scope: 'orders:read' })).json()).toMatchObject({ error: 'invalid_client' });
    const audit = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?agent_id=${agent.id}&event=agent.suspended`, headers: ADMIN })).json() as { items: { actor: string; details: Record<string, unknown> }[] };
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ actor: 'system' });
    expect(String(audit.items[0]?.details['reason'])).toContain(`anomaly ${anomaly.id} (refusal_spike, high)`);
    const detected = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?agent_id=${agent.id}&event=anomaly.detected`, headers: ADMIN })).json() as { items: { details: Record<string, unknown> }[] };
    expect(detected.items[0]?.details).toMatchObject({ anomaly_id: anomaly.id, response: ['webhook', 'signal', 'suspended'] });
  });

  it('is listed, acknowledged and resolved through the CLI, each change audited; agents resume returns the agent', async () => {
    const url = `${issuer}`;
    const listed = await agentauth(url, 'anomalies', 'list', '--agent', agent.id);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('refusal_spike');
    expect(listed.stdout).toContain('high');
    const { items } = await anomalies();
    const id = (items[0] as { id: string }).id;

    const shown = await agentauth(url, 'anomalies', 'show', id);
    expect(shown.stdout).toContain('evidence  10 refused requests');
    const acked = await agentauth(url, '--json', 'anomalies', 'ack', id, '--note', 'looking into it');
    expect(acked.code, acked.stderr).toBe(0);
    expect(JSON.parse(acked.stdout)).toMatchObject({ state: 'acknowledged', acknowledged_by: 'admin:bootstrap', note: 'looking into it' });
    const again = await agentauth(url, 'anomalies', 'ack', id);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('acknowledged');
    const resolved = await agentauth(url, '--json', 'anomalies', 'resolve', id, '--note', 'a bad deploy');
    expect(JSON.parse(resolved.stdout)).toMatchObject({ state: 'resolved', resolved_by: 'admin:bootstrap', note: 'a bad deploy' });
    const events = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?agent_id=${agent.id}`, headers: ADMIN })).json() as { items: { event: string }[] };
    expect(events.items.map((r) => r.event).filter((e) => e.startsWith('anomaly.'))).toEqual(['anomaly.detected', 'anomaly.notified', 'anomaly.acknowledged', 'anomaly.resolved']);

    const resumed = await agentauth(url, 'agents', 'resume', agent.id);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await token({ scope: 'orders:read', resource: 'https://api.example.com' })).statusCode).toBe(200);
  }, 60_000);
});
