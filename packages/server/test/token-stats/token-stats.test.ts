import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../src/clock.js';
import { roleAllows } from '../../src/people/admin-roles.js';
import { reasonCode } from '../../src/token-stats/token-stats.js';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, form, FORM, startTestServer, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const HOUR = 3_600_000;
const API = 'https://api.example.com';
// 10:30 UTC: the hourly buckets start at whole hours, so the first one starts before the window.
const T0 = Date.UTC(2026, 10, 1, 10, 30);

/*
 * A recorded history on a frozen clock, every request through the real /token endpoint:
 *   10:30  `svc` (a client secret) gets two tokens; a wrong secret is refused (invalid_client)
 *   12:45  `svc` asks for a scope it does not hold (invalid_scope); one more token
 *   13:10  the statistics are read
 */
describe.each(BACKENDS)('token statistics (%s)', (backend) => {
  let t: TestServer;
  let agentId: string;
  let secret: string;

  const token = async (params: Record<string, string>, password = secret) => {
    const basic = `Basic ${Buffer.from(`${agentId}:${password}`).toString('base64')}`;
    return t.server.app.inject({ method: 'POST', url: '/token', headers: { ...FORM, authorization: basic }, payload: form({ grant_type: 'client_credentials', resource: API, ...params }) });
  };
  const stats = async (query = '') => {
    const response = await t.server.app.inject({ method: 'GET', url: `/admin/v1/stats/tokens${query}`, headers: ADMIN });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { window: { since: string; from: string; to: string }; bucket: string; buckets: { start: string; issued: number; refused: number; reasons: Record<string, number> }[]; totals: { issued: number; refused: number; reasons: Record<string, number> }; truncated: boolean };
  };

  beforeAll(async () => {
    t = await startTestServer(backend, {}, { clock: new FrozenClock(T0) });
    const made = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload: { name: 'svc', owner: 'team-stats', scopes: ['orders:read'], resources: [API], token_endpoint_auth_method: 'client_secret_basic' } });
    expect(made.statusCode, made.body).toBe(201);
    const body = made.json() as { agent: { id: string }; client_secret: string };
    agentId = body.agent.id;
    secret = body.client_secret;
    expect((await token({})).statusCode).toBe(200);
    expect((await token({})).statusCode).toBe(200);
    expect((await token({}, 'not-the-secret')).statusCode).toBe(401);
    t.clock.advance(2 * HOUR + 15 * 60_000);
    expect((await token({ scope: 'orders:write' })).statusCode).toBe(400);
    expect((await token({})).statusCode).toBe(200);
    t.clock.advance(25 * 60_000);
    // Another agent's tokens count too: the statistics are the server's, not one agent's.
    await createAgent(t.server, { name: 'quiet' });
  });
  afterAll(async () => t?.close());

  it('counts tokens issued and refused per hour, every hour of the window listed, the refusals by reason', async () => {
    const answer = await stats('?since=4h');
    expect(answer.window).toEqual({ since: '4h', from: new Date(T0 + 2 * HOUR + 40 * 60_000 - 4 * HOUR).toISOString(), to: new Date(T0 + 2 * HOUR + 40 * 60_000).toISOString() });
    expect(answer.bucket).toBe('hour');
    expect(answer.buckets).toEqual([
      { start: '2026-11-01T09:00:00.000Z', issued: 0, refused: 0, reasons: {} },
      { start: '2026-11-01T10:00:00.000Z', issued: 2, refused: 1, reasons: { invalid_client: 1 } },
      { start: '2026-11-01T11:00:00.000Z', issued: 0, refused: 0, reasons: {} },
      { start: '2026-11-01T12:00:00.000Z', issued: 1, refused: 1, reasons: { invalid_scope: 1 } },
      { start: '2026-11-01T13:00:00.000Z', issued: 0, refused: 0, reasons: {} },
    ]);
    expect(answer.totals).toEqual({ issued: 3, refused: 2, reasons: { invalid_client: 1, invalid_scope: 1 } });
    expect(answer.truncated).toBe(false);
  });

  it('defaults to the last 24 hours; a window that starts later leaves out what came before it; days make daily buckets', async () => {
    const day = await stats();
    expect(day.window.since).toBe('24h');
    expect(day.buckets).toHaveLength(25);
    expect(day.totals).toMatchObject({ issued: 3, refused: 2 });
    expect((await stats('?since=1h')).totals).toEqual({ issued: 1, refused: 1, reasons: { invalid_scope: 1 } });
    const week = await stats('?since=7d&bucket=day');
    expect(week.buckets).toHaveLength(8);
    expect(week.buckets.at(-1)).toEqual({ start: '2026-11-01T00:00:00.000Z', issued: 3, refused: 2, reasons: { invalid_client: 1, invalid_scope: 1 } });
  });

  it('refuses a window past a week or not a number of hours or days', async () => {
    for (const since of ['8d', '169h', '0h', '3w', 'h']) {
      const response = await t.server.app.inject({ method: 'GET', url: `/admin/v1/stats/tokens?since=${since}`, headers: ADMIN });
      expect(response.statusCode, since).toBe(400);
      expect(response.json()).toMatchObject({ code: 'validation_failed' });
    }
  });
});

describe('the refusal reason and who may read the statistics', () => {
  it('labels a refusal by the OAuth error code its reason starts with', () => {
    expect(reasonCode('invalid_client: client authentication failed')).toBe('invalid_client');
    expect(reasonCode('access_denied')).toBe('access_denied');
    expect(reasonCode('The policy said no')).toBe('other');
    expect(reasonCode(null)).toBe('other');
  });

  it('is a read: auditors and operators may call it', () => {
    expect(roleAllows(['auditor'], 'GET', '/stats/tokens')).toBe(true);
    expect(roleAllows(['operator'], 'GET', '/stats/tokens')).toBe(true);
    expect(roleAllows([], 'GET', '/stats/tokens')).toBe(false);
  });
});
