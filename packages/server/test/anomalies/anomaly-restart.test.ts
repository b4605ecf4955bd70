import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer, type AgentAuthServer } from '../../src/main/create-server.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, TEST_MASTER_KEY, type TestAgent } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const HOUR = 3_600_000;
const RISK_LEVEL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';

/**
 * Baselines across a restart, and the risk level an anomaly gives an agent: the server is stopped
 * after the agent's first token and started again on the same database past the learning period;
 * the rebuilt baseline knows the agent, so its burst of refusals is an anomaly at once. The open
 * anomaly makes the agent's `context.risk` high, which a policy refuses, and queues a CAEP risk
 * level change on a stream that asks for it; resolving it lowers the risk again.
 */
describe('anomaly baselines across a restart, and the risk level', () => {
  let dataDir: string;
  const clock = new FrozenClock(Math.ceil(Date.now() / HOUR) * HOUR + 5 * 60_000);
  let server: AgentAuthServer | undefined;
  let agent: TestAgent;

  const start = async () => {
    const { config } = loadConfig({
      argv: [],
      cwd: dataDir,
      env: {
        AGENTAUTH_DATA_DIR: dataDir,
        AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
        AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
        AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0',
        AGENTAUTH_ANOMALY_DETECTION: 'true',
        AGENTAUTH_ANOMALY_LEARNING_PERIOD: '3600',
      },
    });
    server = await createServer(config, { clock, logger: pino({ level: 'silent' }) });
    await server.anomalies.monitor?.ready;
    return server;
  };
  const token = async (s: AgentAuthServer, params: Record<string, string>) => {
    const assertion = await clientAssertion(agent, clock.now());
    return s.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...params }) });
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentauth-anomaly-restart-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('does not restart learning: after a restart past the learning period, a burst of refusals is an anomaly', async () => {
    const first = await start();
    agent = await createAgent(first, { scopes: ['orders:read'] });
    const receiver = await createAgent(first, { name: 'risk-receiver' });
    expect((await token(first, { scope: 'orders:read', resource: 'https://api.example.com' })).statusCode).toBe(200);
    await first.anomalies.monitor?.idle();
    await first.close();

    clock.advance(2 * HOUR);
    const second = await start();
    // A receiver's poll stream that asks for risk level changes.
    const now = clock.now();
    await second.deps.store.createStream({
      streamId: 'risk-stream-0123456789',
      ownerAgentId: receiver.id,
      aud: [receiver.id],
      eventsRequested: [RISK_LEVEL_CHANGE],
      eventsDelivered: [RISK_LEVEL_CHANGE],
      deliveryMethod: 'urn:ietf:rfc:8936',
      endpointUrl: null,
      sealedAuthorizationHeader: null,
      description: null,
      status: 'enabled',
      statusReason: null,
      createdAt: now,
      updatedAt: now,
      lastVerificationAt: null,
      lastSeenAt: now,
      pushDelivered: 0,
      pushFailed: 0,
      lastPushAt: null,
      lastPushError: null,
    });
    const applied = await second.app.inject({
      method: 'POST',
      url: '/admin/v1/policies/apply',
      headers: ADMIN,
      payload: { source: '@id("no-risky-agents")\nforbid (principal, action, resource) when { context.risk == "high" };' },
    });
    expect(applied.statusCode, applied.body).toBe(200);
    expect((await token(second, { scope: 'orders:read', resource: 'https://api.example.com' })).statusCode).toBe(200);

    for (let i = 0; i < 10; i += 1) await token(second, { scope: 'orders:delete' });
    await second.anomalies.monitor?.idle();
    const listed = (await second.app.inject({ method: 'GET', url: `/admin/v1/anomalies?agent_id=${agent.id}&state=open`, headers: ADMIN })).json() as { items: { id: string; detector: string }[] };
    // The token in a new hour of day was off its usual hours (low); both at the frozen instant.
    expect(listed.items.map((a) => a.detector).sort()).toEqual(['off_hours', 'refusal_spike']);

    // The open high anomaly is the agent's context.risk: the policy refuses it a token.
    const refused = await token(second, { scope: 'orders:read', resource: 'https://api.example.com' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'invalid_scope', error_description: "scope 'orders:read' is not granted by policy for resource 'https://api.example.com'" });

    // The receiver's stream holds a CAEP risk level change about the agent.
    const queued = await second.deps.store.pendingSets('risk-stream-0123456789', 10);
    expect(queued).toHaveLength(1);
    const set = decodeJwt(queued[0]?.setJwt as string) as { sub_id: unknown; events: Record<string, Record<string, unknown>> };
    expect(set.sub_id).toEqual({ format: 'iss_sub', iss: 'http://127.0.0.1:8080', sub: agent.id });
    expect(set.events[RISK_LEVEL_CHANGE]).toMatchObject({ principal: 'USER', current_level: 'HIGH', previous_level: 'LOW', initiating_entity: 'system' });
    expect(String(set.events[RISK_LEVEL_CHANGE]?.['risk_reason'])).toMatch(/^refusal_spike: 10 refused requests/);

    // Resolved, it no longer counts (the low one left does not trip the policy).
    const id = listed.items.find((a) => a.detector === 'refusal_spike')?.id as string;
    expect((await second.app.inject({ method: 'POST', url: `/admin/v1/anomalies/${id}/resolve`, headers: ADMIN, payload: { note: 'tested' } })).statusCode).toBe(200);
    expect((await token(second, { scope: 'orders:read', resource: 'https://api.example.com' })).statusCode).toBe(200);
  }, 60_000);
});
