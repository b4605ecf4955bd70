import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { decodeJwt } from 'jose';
import pino from 'pino';
import { FrozenClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer, type AgentAuthServer } from '../../src/main/create-server.js';
import { verifyApiKey } from '../../src/api-keys/verify-api-key.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, FORM, form, TEST_MASTER_KEY, type TestAgent } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const RESOURCE = 'https://api.example.com';
const GRANTS = ['client_credentials', GRANT_TOKEN_EXCHANGE];

/** Keys become tokens: a real server (SQLite) whose every log line is kept, to be searched for keys. */
describe('managed API keys exchanged for tokens (RFC 8693)', () => {
  let server: AgentAuthServer;
  let clock: FrozenClock;
  let dataDir: string;
  let agent: TestAgent;
  const logs: string[] = [];
  const shown: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentauth-apikeys-'));
    const { config } = loadConfig({
      argv: [],
      cwd: dataDir,
      env: { AGENTAUTH_DATA_DIR: dataDir, AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN, AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'), AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0' },
    });
    clock = new FrozenClock(Date.now());
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(chunk.toString('utf8')), done()) });
    server = await createServer(config, { clock, logger: pino({ level: 'trace' }, sink) });
    agent = await createAgent(server, { grant_types: GRANTS });
  });
  afterAll(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const newKey = async (agentId: string, body: Record<string, unknown> = {}) => {
    const response = await server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agentId}/api-keys`, headers: ADMIN, payload: { ttl: 86_400, ...body } });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json() as { api_key: { id: string }; key: string };
    shown.push(created.key);
    return { id: created.api_key.id, key: created.key };
  };
  const exchange = (key: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { ...FORM, ...headers },
      remoteAddress: '192.0.2.7',
      payload: form({ grant_type: GRANT_TOKEN_EXCHANGE, subject_token: key, subject_token_type: TOKEN_TYPE_API_KEY, resource: RESOURCE, ...extra }),
    });
  const usage = async (id: string) =>
    ((await server.app.inject({ method: 'GET', url: `/admin/v1/api-keys/${id}`, headers: ADMIN })).json() as { usage: { count: number; source_addresses: string[]; last_used_at: string | null } }).usage;
  const denials = async () =>
    ((await server.app.inject({ method: 'GET', url: `/admin/v1/audit?event=access_token.denied&limit=100`, headers: ADMIN })).json() as { items: { reason: string | null; agent_id: string | null }[] }).items;

  it('turns a key into a short-lived access token of its agent, within the key, and counts the use', async () => {
    const { id, key } = await newKey(agent.id, { scopes: ['orders:read'] });
    const response = await exchange(key);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { access_token: string; issued_token_type: string; expires_in: number; scope: string; token_type: string };
    expect(body).toMatchObject({ issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', scope: 'orders:read' });
    expect(body.expires_in).toBeLessThanOrEqual(300);
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: agent.id, client_id: agent.id, aud: RESOURCE, scope: 'orders:read' });
    expect(claims['act']).toBeUndefined();
    expect(await usage(id)).toEqual({ count: 1, source_addresses: ['192.0.2.7'], last_used_at: new Date(clock.now()).toISOString() });
    const issued = (await server.app.inject({ method: 'GET', url: `/admin/v1/audit?event=access_token.issued&agent_id=${agent.id}&limit=10`, headers: ADMIN })).json() as { items: { details: Record<string, unknown> }[] };
    expect(issued.items.at(-1)?.details).toMatchObject({ auth_method: 'none', credential_id: id, managed_key_id: id, grant_type: GRANT_TOKEN_EXCHANGE });
  });

  it('refuses a scope beyond the key and a resource the key was not issued for', async () => {
    const { key } = await newKey(agent.id, { scopes: ['orders:read'] });
    expect((await exchange(key, { scope: 'orders:write' })).json()).toMatchObject({ error: 'invalid_scope' });
    const other = await exchange(key, { resource: 'https://elsewhere.example.com' });
    expect(other.json()).toMatchObject({ error: 'invalid_target' });
  });

  it('refuses malformed, truncated and checksum-failing keys with one fixed description, without a lookup', async () => {
    const { key } = await newKey(agent.id);
    const flipped = key.slice(0, 8) + (key[8] === 'A' ? 'B' : 'A') + key.slice(9);
    const answers = await Promise.all([exchange(key.slice(0, -1)), exchange(flipped), exchange('aak_nothing')]);
    for (const answer of answers) {
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toEqual({ error: 'invalid_request', error_description: 'the subject_token is not a valid API key' });
    }
    let lookups = 0;
    const counting = { findApiKeyByHash: (hash: string) => ((lookups += 1), server.deps.store.findApiKeyByHash(hash)) };
    expect(await verifyApiKey(counting, key.slice(0, -1), clock.now())).toMatchObject({ ok: false, reason: 'malformed API key' });
    expect(await verifyApiKey(counting, flipped, clock.now())).toMatchObject({ ok: false, reason: 'API key checksum fails' });
    expect(lookups).toBe(0);
    expect(await verifyApiKey(counting, key, clock.now())).toMatchObject({ ok: true });
    expect(lookups).toBe(1);
    const reasons = (await denials()).map((d) => d.reason ?? '');
    expect(reasons.some((r) => r.includes('API key checksum fails'))).toBe(true);
  });

  it('refuses a revoked key and an expired key, and audits why with the key id', async () => {
    const revoked = await newKey(agent.id);
    await server.app.inject({ method: 'POST', url: `/admin/v1/api-keys/${revoked.id}/revoke`, headers: ADMIN });
    expect((await exchange(revoked.key)).statusCode).toBe(400);
    const expiring = await newKey(agent.id, { ttl: 3600 });
    expect((await exchange(expiring.key)).statusCode).toBe(200);
    clock.advance(3600 * 1000);
    expect((await exchange(expiring.key)).json()).toMatchObject({ error: 'invalid_request' });
    const reasons = (await denials()).filter((d) => d.agent_id === agent.id).map((d) => d.reason ?? '');
    expect(reasons.some((r) => r.includes(`API key ${revoked.id} is revoked`))).toBe(true);
    expect(reasons.some((r) => r.includes(`API key ${expiring.id} expired`))).toBe(true);
  });

  it('refuses a key of another agent, whether sent alone with its client_id or by an authenticated client', async () => {
    const other = await createAgent(server, { grant_types: GRANTS });
    const { key } = await newKey(other.id);
    expect((await exchange(key, { client_id: agent.id })).json()).toMatchObject({ error: 'invalid_request' });
    const assertion = await clientAssertion(agent, clock.now());
    const asClient = await exchange(key, { client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });
    expect(asClient.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a key of an agent without the token exchange grant, and of a suspended agent', async () => {
    const plain = await createAgent(server);
    expect((await exchange((await newKey(plain.id)).key)).json()).toMatchObject({ error: 'unauthorized_client' });
    const suspended = await createAgent(server, { grant_types: GRANTS });
    const { key } = await newKey(suspended.id);
    await server.app.inject({ method: 'POST', url: `/admin/v1/agents/${suspended.id}/suspend`, headers: ADMIN });
    expect((await exchange(key)).json()).toMatchObject({ error: 'invalid_request' });
  });

  it('never writes key material to a log line or an audit record', async () => {
    const exported = await server.app.inject({ method: 'GET', url: '/admin/v1/audit/export', headers: ADMIN });
    expect(exported.statusCode).toBe(200);
    const text = logs.join('') + exported.body;
    expect(logs.length).toBeGreaterThan(0);
    expect(shown.length).toBeGreaterThan(5);
    for (const key of shown) expect(text).not.toContain(key.slice(4, 24));
  });
});
