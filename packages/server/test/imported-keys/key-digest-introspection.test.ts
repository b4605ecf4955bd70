import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOKEN_TYPE_IMPORTED_KEY } from '@agentauth/protocol';
import { FrozenClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer, type AgentAuthServer } from '../../src/main/create-server.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP_TOKEN, createAgent, FORM, form, ISSUER, TEST_MASTER_KEY, type TestAgent } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const RESOURCE = 'https://api.example.com';

/** A third-party key a service holds today, and the digest the team exports. */
function legacyKey(): { key: string; digest: string } {
  const key = `sk_live_${randomBytes(24).toString('hex')}`;
  return { key, digest: createHash('sha256').update(key).digest('hex') };
}

/** A service asks about a key it holds by digest: the key never leaves it. */
describe('imported keys at POST /introspect/key-digest', () => {
  let server: AgentAuthServer;
  let clock: FrozenClock;
  let dataDir: string;
  let agent: TestAgent;
  let service: { id: string; secret: string };
  let plain: { id: string; secret: string };
  // Everything the server logs, at the most verbose level, to search for key material.
  let logs = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentauth-test-'));
    const { config } = loadConfig({
      argv: [],
      cwd: dataDir,
      env: { AGENTAUTH_DATA_DIR: dataDir, AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN, AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'), AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0' },
    });
    clock = new FrozenClock(Date.now());
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((logs += chunk.toString()), done()) });
    server = await createServer(config, { clock, logger: pino({ level: 'trace' }, sink) });
    agent = await createAgent(server, { resources: [RESOURCE, 'https://other.example.com'] });
    const register = async (scopes: string[]) => {
      const response = await server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload: { name: 'svc', owner: 'team-svc', scopes, resources: [RESOURCE], token_endpoint_auth_method: 'client_secret_basic' } });
      const body = response.json() as { agent: { id: string }; client_secret: string };
      return { id: body.agent.id, secret: body.client_secret };
    };
    service = await register(['agentauth:introspect']);
    plain = await register([]);
  });
  afterAll(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const keysSeen: string[] = [];
  const importKey = async (line: Record<string, unknown> = {}) => {
    const legacy = legacyKey();
    keysSeen.push(legacy.key, legacy.digest);
    const response = await server.app.inject({ method: 'POST', url: '/admin/v1/imported-keys/import', headers: ADMIN, payload: { keys: [{ key_digest: legacy.digest, agent_id: agent.id, ...line }] } });
    expect(response.statusCode, response.body).toBe(201);
    return { ...legacy, id: (response.json() as { items: { id: string }[] }).items[0]!.id };
  };
  const ask = (params: Record<string, string | string[]>, caller = service) =>
    server.app.inject({ method: 'POST', url: '/introspect/key-digest', headers: { ...FORM, authorization: `Basic ${Buffer.from(`${caller.id}:${caller.secret}`).toString('base64')}` }, payload: form(params) });
  const auditOf = async () =>
    ((await server.app.inject({ method: 'GET', url: '/admin/v1/audit?event=imported_key.introspected&limit=200', headers: ADMIN })).json() as { items: { outcome: string; reason: string | null; details: Record<string, unknown> }[] }).items;

  it('is advertised in the server metadata', async () => {
    const metadata = (await server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json() as Record<string, unknown>;
    expect(metadata['key_digest_introspection_endpoint']).toBe(`${ISSUER}/introspect/key-digest`);
  });

  it('answers an active key with its agent, scope, resources and expiry, typed as an imported key, and counts the use', async () => {
    const { id, digest } = await importKey({ scopes: ['orders:read'] });
    const response = await ask({ key_digest: digest, resource: RESOURCE, client_address: '198.51.100.7' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json() as Record<string, unknown>;
    expect(body).toEqual({
      active: true,
      iss: ISSUER,
      sub: agent.id,
      client_id: agent.id,
      aud: [RESOURCE, 'https://other.example.com'],
      scope: 'orders:read',
      exp: body['exp'],
      iat: Math.floor(clock.now() / 1000),
      token_type: TOKEN_TYPE_IMPORTED_KEY,
      key_id: id,
    });
    expect(await ask({ key_digest: digest })).toMatchObject({ statusCode: 200 });
    const shown = (await server.app.inject({ method: 'GET', url: `/admin/v1/imported-keys/${id}`, headers: ADMIN })).json() as { usage: unknown };
    expect(shown.usage).toEqual({ count: 2, last_used_at: new Date(clock.now()).toISOString(), source_addresses: ['198.51.100.7'] });
    expect((await auditOf()).find((r) => r.details['imported_key_id'] === id)).toMatchObject({ outcome: 'success', reason: 'active imported key', details: { key_agent_id: agent.id, resource: RESOURCE } });
  });

  it('answers exactly {"active":false} for a wrong resource, a revoked, expired or unknown key, and to a caller without agentauth:introspect, auditing each refusal', async () => {
    const narrow = await importKey({ resources: ['https://other.example.com'] });
    const revoked = await importKey();
    await server.app.inject({ method: 'POST', url: `/admin/v1/imported-keys/${revoked.id}/revoke`, headers: ADMIN });
    const soon = await importKey({ expires_at: new Date(clock.now() + 3_600_000).toISOString() });
    expect((await ask({ key_digest: narrow.digest, resource: RESOURCE })).json()).toEqual({ active: false });
    expect((await ask({ key_digest: revoked.digest })).json()).toEqual({ active: false });
    expect((await ask({ key_digest: legacyKey().digest })).json()).toEqual({ active: false });
    expect((await ask({ key_digest: soon.digest }, plain)).json()).toEqual({ active: false });
    clock.advance(3_600_000);
    expect((await ask({ key_digest: soon.digest, resource: RESOURCE })).json()).toEqual({ active: false });
    const failures = (await auditOf()).filter((r) => r.outcome === 'failure').map((r) => r.reason);
    expect(failures).toEqual(expect.arrayContaining([
      `imported key ${narrow.id} is not for this resource`,
      `imported key ${revoked.id} is revoked`,
      'unknown key digest',
      'caller may not introspect keys (needs agentauth:introspect)',
      `imported key ${soon.id} expired`,
    ]));
    const unused = (await server.app.inject({ method: 'GET', url: `/admin/v1/imported-keys/${narrow.id}`, headers: ADMIN })).json() as { usage: { count: number } };
    expect(unused.usage.count).toBe(0);
  });

  it('refuses a malformed digest, a raw key or a repeated parameter as invalid_request without a database lookup', async () => {
    const { key, digest } = await importKey();
    const lookups = vi.spyOn(server.deps.store, 'findImportedKeyByDigest');
    try {
      const cases: Record<string, string | string[]>[] = [{ key_digest: key }, { key_digest: digest.toUpperCase() }, { key_digest: digest.slice(0, 63) }, {}, { key_digest: [digest, digest] }];
      for (const params of cases) {
        const response = await ask(params);
        expect(response.statusCode).toBe(400);
        expect((response.json() as { error: string }).error).toBe('invalid_request');
        expect(response.body).not.toContain(key);
      }
      expect((await ask({ key_digest: digest, client_address: 'not-an-address' })).statusCode).toBe(400);
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
    expect((await auditOf()).filter((r) => r.outcome === 'failure' && (r.reason ?? '').startsWith('invalid_request: key_digest')).length).toBeGreaterThanOrEqual(3);
  });

  it('refuses an unauthenticated caller', async () => {
    const { digest } = await importKey();
    const response = await server.app.inject({ method: 'POST', url: '/introspect/key-digest', headers: FORM, payload: form({ key_digest: digest }) });
    expect(response.statusCode).toBe(401);
    expect((response.json() as { error: string }).error).toBe('invalid_client');
  });

  it('never writes a key or a digest to a log line or an audit record', async () => {
    const exported = await server.app.inject({ method: 'GET', url: '/admin/v1/audit/export', headers: ADMIN });
    expect(exported.statusCode).toBe(200);
    expect(keysSeen.length).toBeGreaterThan(10);
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of keysSeen) {
      expect(exported.body).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
