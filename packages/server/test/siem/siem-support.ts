import { expect } from 'vitest';
import pino from 'pino';
import { FrozenClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer, type AgentAuthServer } from '../../src/main/create-server.js';
import { OCSF_ACTIVITIES, OCSF_CLASSES, OCSF_MAPPING } from '../../src/siem/ocsf-mapping.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, TEST_MASTER_KEY, clientAssertion, createAgent, form, FORM } from '../support/test-server.js';

export const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

/** A server on a data directory (and database) the test keeps, so it can be stopped and started again on them. */
export async function startOn(dataDir: string, env: Record<string, string>, databaseUrl?: string): Promise<{ server: AgentAuthServer; clock: FrozenClock }> {
  const { config } = loadConfig({
    argv: [],
    cwd: dataDir,
    env: {
      AGENTAUTH_DATA_DIR: dataDir,
      AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
      AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0',
      AGENTAUTH_SIEM_POLL_INTERVAL: '20',
      ...(databaseUrl === undefined ? {} : { AGENTAUTH_DATABASE_URL: databaseUrl }),
      ...env,
    },
  });
  const clock = new FrozenClock(Date.now());
  return { server: await createServer(config, { clock, logger: pino({ level: 'silent' }) }), clock };
}

/** What {@link traffic} sent that must never be exported: the token issued and the assertion. */
export interface Secrets {
  accessToken: string;
  assertion: string;
}

/** Agent registration, a token issued, a failed client authentication: audited events of each class. */
export async function traffic(server: AgentAuthServer, clock: FrozenClock): Promise<Secrets> {
  const agent = await createAgent(server);
  const assertion = await clientAssertion(agent, clock.now());
  const issued = await server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope: 'orders:read' }) });
  expect(issued.statusCode).toBe(200);
  const refused = await server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: `${assertion.slice(0, -4)}AAAA` }) });
  expect(refused.statusCode).toBe(401);
  return { accessToken: (issued.json() as { access_token: string }).access_token, assertion };
}

/** `GET /admin/v1/audit/siem`. */
export async function siemStatus(server: AgentAuthServer): Promise<{ head_seq: number; sinks: { sink: string; configured: boolean; seq: number; lag: number; failing: boolean; last_error: string | null; exported_at: string | null }[] }> {
  const response = await server.app.inject({ method: 'GET', url: '/admin/v1/audit/siem', headers: AUTH });
  expect(response.statusCode).toBe(200);
  return response.json();
}

/**
 * Checks one exported line against the shape docs/monitoring.md documents: the OCSF base event
 * attributes, the class's own, and the mapping table for its event.
 */
export function expectOcsfEvent(event: Record<string, unknown>): void {
  const name = event.message as keyof typeof OCSF_MAPPING;
  const mapping = OCSF_MAPPING[name];
  expect(mapping, `an exported event names a known audit event: ${String(name)}`).toBeDefined();
  const klass = OCSF_CLASSES[mapping.classUid];
  expect(event).toMatchObject({
    class_uid: mapping.classUid,
    class_name: klass.name,
    category_uid: klass.categoryUid,
    category_name: klass.categoryName,
    activity_id: mapping.activityId,
    activity_name: OCSF_ACTIVITIES[mapping.classUid][mapping.activityId],
    type_uid: mapping.classUid * 100 + mapping.activityId,
    metadata: { version: '1.3.0', product: { name: 'agentauth', vendor_name: 'agentauth' }, log_name: 'audit', event_code: name },
  });
  expect(Number.isInteger(event.time)).toBe(true);
  expect([1, 2, 3]).toContain(event.severity_id);
  expect(typeof event.severity).toBe('string');
  expect([1, 2]).toContain(event.status_id);
  expect(event.status).toBe(event.status_id === 1 ? 'Success' : 'Failure');
  const metadata = event.metadata as { uid: string; sequence: number };
  expect(metadata.uid).toBe(String(metadata.sequence));
  expect(typeof event.actor).toBe('object');
  expect(typeof event.src_endpoint).toBe('object');
  if (mapping.classUid === 6003) expect(event.api).toEqual({ operation: name, service: { name: 'agentauth' } });
  else expect((event.user as { type_id: number }).type_id).toEqual(expect.any(Number));
}

/** The seq of each exported event, in the order received. */
export function sequences(events: readonly Record<string, unknown>[]): number[] {
  return events.map((event) => (event.metadata as { sequence: number }).sequence);
}
