import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_MAX_AGE_MS } from '../../src/metrics/gauge-snapshots.js';
import { dpopKey, dpopProof } from '../oauth/dpop/dpop-support.js';
import { Scrape } from '../support/prometheus-scrape.js';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, FORM, form, startListeningTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const SCRAPE_TOKEN = 'scrape-token-0123456789abcdefghijklmnopqrstuv';

describe.each(BACKENDS)('GET /metrics on the public listener (%s)', (backend) => {
  let t: TestServer;
  let base: string;
  let agent: TestAgent;

  beforeAll(async () => {
    const started = await startListeningTestServer(backend, { AGENTAUTH_METRICS_TOKEN: SCRAPE_TOKEN });
    t = started.t;
    base = started.issuer.origin;
    agent = await createAgent(t.server, { scopes: ['orders:read'] });
  });
  afterAll(async () => t?.close());

  const scrape = async (token = SCRAPE_TOKEN): Promise<Scrape> => {
    const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Scrape(await response.text());
  };

  const token = async (params: Record<string, string>, headers: Record<string, string> = {}, signer: TestAgent = agent) => {
    const assertion = await clientAssertion(signer, t.clock.now(), { claims: { aud: base } });
    const response = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { ...FORM, ...headers },
      body: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...params }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  it('refuses a scrape without the scrape token or an admin credential: 401 with WWW-Authenticate: Bearer', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdefghijklmnopq', `Basic ${Buffer.from(`x:${SCRAPE_TOKEN}`).toString('base64')}`, `Bearer ${SCRAPE_TOKEN}x`]) {
      const response = await fetch(`${base}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await response.text()).not.toContain('agentauth_');
    }
  });

  it('serves the admin bootstrap token as well as the scrape token', async () => {
    expect((await scrape(BOOTSTRAP_TOKEN)).family('agentauth_tokens_issued_total').type).toBe('counter');
  });

  it('counts tokens issued by grant and binding, and refused by grant, error code and binding', async () => {
    const before = await scrape();
    expect((await token({ scope: 'orders:read' })).status).toBe(200);
    expect((await token({})).status).toBe(200);
    const key = await dpopKey('ES256');
    const bound = await token({}, { dpop: await dpopProof(key, 'POST', `${base}/token`, t.clock.now()) });
    expect(bound.body.token_type).toBe('DPoP');
    expect((await token({ scope: 'orders:delete' })).body.error).toBe('invalid_scope');
    expect((await token({ grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    const stranger = await createAgent(t.server, { scopes: ['orders:read'] });
    expect((await token({}, {}, { ...agent, id: stranger.id })).body.error).toBe('invalid_client');
    expect((await token({}, { dpop: 'not-a-proof' })).body.error).toBe('invalid_dpop_proof');

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    expect(moved('agentauth_tokens_issued_total', { grant: 'client_credentials', binding: 'bearer' })).toBe(2);
    expect(moved('agentauth_tokens_issued_total', { grant: 'client_credentials', binding: 'dpop' })).toBe(1);
    expect(moved('agentauth_tokens_refused_total', { grant: 'client_credentials', reason: 'invalid_scope', binding: 'bearer' })).toBe(1);
    expect(moved('agentauth_tokens_refused_total', { grant: 'other', reason: 'unsupported_grant_type', binding: 'bearer' })).toBe(1);
    expect(moved('agentauth_tokens_refused_total', { grant: 'client_credentials', reason: 'invalid_client', binding: 'bearer' })).toBe(1);
    expect(moved('agentauth_tokens_refused_total', { grant: 'client_credentials', reason: 'invalid_dpop_proof', binding: 'dpop' })).toBe(1);
    expect(moved('agentauth_policy_decisions_total', { action: 'issue_token', decision: 'allow' })).toBe(3);
    // Every issued token and every audited refusal went through the group commit.
    expect(after.count('agentauth_commit_batch_size') - before.count('agentauth_commit_batch_size')).toBeGreaterThan(0);
    expect(after.count('agentauth_commit_duration_seconds', { result: 'committed' })).toBeGreaterThan(before.count('agentauth_commit_duration_seconds', { result: 'committed' }));
  });

  it('times requests by route template, never by raw path, and shows no agent id in any label', async () => {
    const before = await scrape();
    expect((await token({})).status).toBe(200);
    expect((await fetch(`${base}/agents/${agent.id}/nowhere`)).status).toBe(404);
    const suspended = await fetch(`${base}/admin/v1/agents/${agent.id}/suspend`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(suspended.status).toBe(200);
    const after = await scrape();
    const moved = (labels: Record<string, string>) => after.count('agentauth_http_request_duration_seconds', labels) - before.count('agentauth_http_request_duration_seconds', labels);
    expect(moved({ method: 'POST', route: '/token', status: '200' })).toBe(1);
    expect(moved({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(moved({ method: 'POST', route: '/admin/v1/agents/:id/suspend', status: '200' })).toBe(1);
    expect(after.labelValues().filter((value) => value.includes(agent.id))).toEqual([]);
  });

  it('counts revocations and shows agents by status, re-read from the database once the cached figures are old', async () => {
    const before = await scrape();
    const fresh = await createAgent(t.server, { scopes: ['orders:read'] });
    const other = await createAgent(t.server, { scopes: ['orders:read'] });
    const suspended = await fetch(`${base}/admin/v1/agents/${other.id}/suspend`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(suspended.status).toBe(200);
    const issued = await token({}, {}, fresh);
    expect(issued.status).toBe(200);
    const assertion = await clientAssertion(fresh, t.clock.now(), { claims: { aud: base } });
    const revoked = await fetch(`${base}/revoke`, { method: 'POST', headers: FORM, body: form({ token: issued.body.access_token as string, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) });
    expect(revoked.status).toBe(200);
    const cached = await scrape();
    expect(cached.value('agentauth_revocations_total', { kind: 'token' }) - before.value('agentauth_revocations_total', { kind: 'token' })).toBe(1);
    expect(cached.value('agentauth_revocations_total', { kind: 'agent' }) - before.value('agentauth_revocations_total', { kind: 'agent' })).toBe(1);
    // The gauges are a database snapshot reused for a while: past its age, the next scrape re-reads.
    t.clock.advance(SNAPSHOT_MAX_AGE_MS);
    const after = await scrape();
    // The first agent was suspended by the test before; the stranger, fresh and other registered since.
    expect(after.value('agentauth_agents', { status: 'suspended' })).toBe(2);
    expect(after.value('agentauth_agents', { status: 'active' })).toBe(2);
    expect(after.value('agentauth_agents', { status: 'disabled' })).toBe(0);
    expect(after.value('agentauth_ssf_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(after.samples('agentauth_crl_age_seconds')).toHaveLength(1);
    expect(after.value('agentauth_crl_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it(backend === 'postgres' ? 'shows the PostgreSQL pool' : 'shows no pool on SQLite', async () => {
    const figures = await scrape();
    if (backend === 'postgres') {
      expect(figures.value('agentauth_db_pool_max')).toBe(10);
      expect(figures.value('agentauth_db_pool_connections', { state: 'idle' }) + figures.value('agentauth_db_pool_connections', { state: 'busy' })).toBeGreaterThan(0);
    } else {
      expect(figures.familyOf('agentauth_db_pool_max')).toBeUndefined();
    }
    expect(figures.value('agentauth_db_errors_total')).toBe(0);
  });
});
