import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/agents/client-secret.js';
import { AUTH, publicJwk, startAdminHarness, type AdminHarness } from './admin-harness.js';
import { BACKENDS } from '../support/test-server.js';

describe.each(BACKENDS)('admin agents (%s)', (backend) => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness(backend);
  });
  afterAll(async () => {
    await h.close();
  });

  async function create(body: Record<string, unknown>) {
    return h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: body });
  }

  describe('POST /admin/v1/agents', () => {
    it('registers a private_key_jwt agent with its key and shows it as docs/admin-api.md says', async () => {
      const jwk = await publicJwk('key-1');
      const response = await create({
        name: 'orders-bot',
        owner: 'team-orders',
        scopes: ['orders:read'],
        resources: ['https://api.example.com'],
        labels: { env: 'staging' },
        jwks: { keys: [jwk] },
      });
      expect(response.statusCode).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      const { agent, client_secret } = response.json();
      expect(client_secret).toBeUndefined();
      expect(agent.id).toMatch(/^agt_[A-Za-z0-9_-]{22}$/);
      expect(agent).toMatchObject({
        client_id: agent.id,
        name: 'orders-bot',
        owner: 'team-orders',
        description: '',
        status: 'active',
        scopes: ['orders:read'],
        resources: ['https://api.example.com'],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        access_token_ttl: null,
        labels: { env: 'staging' },
        jwks_uri: null,
        created_at: '2026-01-01T00:00:00.000Z',
        last_seen_at: null,
      });
      expect(agent.credentials).toHaveLength(1);
      expect(agent.credentials[0]).toMatchObject({ type: 'jwk', kid: 'key-1', expires_at: null });
      expect(agent.credentials[0].id).toMatch(/^crd_/);
      expect(h.changed).toContain(agent.id);

      const read = await h.app.inject({ method: 'GET', url: `/admin/v1/agents/${agent.id}`, headers: AUTH });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(agent);
    });
  });

  describe('client secrets', () => {
    it('generates a 256-bit secret for client_secret_basic, shows it once, and stores only its hash', async () => {
      const response = await create({ name: 'legacy-bot', owner: 'team-legacy', token_endpoint_auth_method: 'client_secret_basic' });
      expect(response.statusCode).toBe(201);
      const { agent, client_secret } = response.json();
      expect(client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(client_secret, 'base64url')).toHaveLength(32);
      expect(agent.credentials).toEqual([expect.objectContaining({ type: 'secret' })]);
      expect(JSON.stringify(agent)).not.toContain(client_secret);

      const read = await h.app.inject({ method: 'GET', url: `/admin/v1/agents/${agent.id}`, headers: AUTH });
      expect(read.body).not.toContain(client_secret);

      const added = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/credentials`, headers: AUTH, payload: { type: 'secret' } });
      expect(added.statusCode).toBe(201);
      const second = added.json().client_secret as string;
      expect(second).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(second).not.toBe(client_secret);

      // Nothing in the database holds either secret in clear (SQLite: database and WAL files;
      // PostgreSQL: a dump); the SHA-256 is what is kept.
      const bytes = await h.databaseBytes();
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes(Buffer.from(client_secret))).toBe(false);
      expect(bytes.includes(Buffer.from(second))).toBe(false);
      expect(bytes.includes(Buffer.from(hashSecret(client_secret)))).toBe(true);
    });
  });

  describe('validation', () => {
    const base = { name: 'bot', owner: 'team' };
    it.each([
      ['missing owner', { name: 'bot' }, /owner/],
      ['unknown member', { ...base, colour: 'red' }, /additional properties/],
      ['empty name', { ...base, name: '' }, /name/],
      ['name too long', { ...base, name: 'x'.repeat(201) }, /name/],
      ['description too long', { ...base, description: 'x'.repeat(2001) }, /description/],
      ['malformed scope', { ...base, scopes: ['has space'] }, /scope/],
      ['scope with quote', { ...base, scopes: ['a"b'] }, /scope/],
      ['too many scopes', { ...base, scopes: Array.from({ length: 101 }, (_, i) => `s${i}`) }, /scopes/],
      ['relative resource', { ...base, resources: ['/api'] }, /resources/],
      ['http resource off loopback', { ...base, resources: ['http://api.example.com'] }, /https/],
      ['resource with fragment', { ...base, resources: ['https://api.example.com/#x'] }, /fragment/],
      ['unknown grant type', { ...base, grant_types: ['password'] }, /grant_types/],
      ['unknown auth method', { ...base, token_endpoint_auth_method: 'none' }, /token_endpoint_auth_method/],
      ['ttl too short', { ...base, access_token_ttl: 5 }, /access_token_ttl/],
      ['ttl too long', { ...base, access_token_ttl: 86_401 }, /access_token_ttl/],
      ['bad label key', { ...base, labels: { Env: 'prod' } }, /labels|label/],
      ['label value too long', { ...base, labels: { env: 'x'.repeat(257) } }, /label/],
      ['too many labels', { ...base, labels: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, /labels/],
      ['http jwks_uri', { ...base, jwks_uri: 'http://keys.example.com/jwks' }, /jwks_uri/],
      ['jwks_uri with a secret method', { ...base, jwks_uri: 'https://keys.example.com/jwks', token_endpoint_auth_method: 'client_secret_post' }, /jwks_uri/],
      ['string where a number belongs', { ...base, access_token_ttl: '60' }, /access_token_ttl/],
    ])('refuses %s with a validation_failed problem', async (_label, body, detail) => {
      const response = await create(body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = response.json();
      expect(problem).toMatchObject({ type: 'urn:agentauth:problem:validation_failed', title: 'Validation failed', status: 400, code: 'validation_failed' });
      expect(problem.detail).toMatch(detail);
    });

    it('accepts http resources on loopback', async () => {
      const response = await create({ ...base, resources: ['http://localhost:3000/api', 'http://127.0.0.1:9000'] });
      expect(response.statusCode).toBe(201);
    });

    it('refuses a private JWK, a symmetric key, a weak RSA key and a duplicate kid', async () => {
      const { privateJwk } = await import('./admin-harness.js');
      const priv = await create({ ...base, jwks: { keys: [await privateJwk()] } });
      expect(priv.statusCode).toBe(400);
      expect(priv.json().detail).toMatch(/private member "d"/);
      expect(priv.body).not.toMatch(/"d":/);

      const oct = await create({ ...base, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } });
      expect(oct.statusCode).toBe(400);

      const { generateKeyPairSync } = await import('node:crypto');
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
      const rsa = await create({ ...base, jwks: { keys: [weak] } });
      expect(rsa.statusCode).toBe(400);
      expect(rsa.json().detail).toMatch(/2048/);

      const jwk = await publicJwk('same');
      const dup = await create({ ...base, jwks: { keys: [jwk, { ...(await publicJwk()), kid: 'same' }] } });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().code).toBe('conflict');
    });

    it('names a key without kid by its RFC 7638 thumbprint', async () => {
      const { calculateJwkThumbprint } = await import('jose');
      const jwk = await publicJwk();
      const response = await create({ ...base, jwks: { keys: [jwk] } });
      expect(response.statusCode).toBe(201);
      expect(response.json().agent.credentials[0].kid).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    });

    it('refuses jwks and jwks_uri together (RFC 7591 §2)', async () => {
      const response = await create({ ...base, jwks_uri: 'https://keys.example.com/jwks', jwks: { keys: [await publicJwk('k')] } });
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toMatch(/jwks and jwks_uri/);
      const secret = await create({ ...base, token_endpoint_auth_method: 'client_secret_basic', jwks: { keys: [await publicJwk('k')] } });
      expect(secret.statusCode).toBe(400);
      expect(secret.json().detail).toMatch(/jwks is only for/);
    });

    it('lets an admin grant privileged scopes', async () => {
      const response = await create({ ...base, scopes: ['agentauth:admin', 'orders:read'] });
      expect(response.statusCode).toBe(201);
      expect(response.json().agent.scopes).toEqual(['agentauth:admin', 'orders:read']);
    });
  });

  describe('GET /admin/v1/agents', () => {
    it('pages through agents in id order with an opaque cursor, and filters by owner, status, name and labels', async () => {
      const owner = `team-page-${Date.now()}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await create({ name: `pager-${i}`, owner, labels: { env: i % 2 === 0 ? 'prod' : 'dev', tier: String(i) } });
        ids.push(response.json().agent.id);
      }
      ids.sort();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const url = `/admin/v1/agents?owner=${owner}&limit=2${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const response = await h.app.inject({ method: 'GET', url, headers: AUTH });
        expect(response.statusCode).toBe(200);
        const page = response.json();
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((a: { id: string }) => a.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor !== undefined);
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);

      const prod = await h.app.inject({ method: 'GET', url: `/admin/v1/agents?owner=${owner}&label=env%3Dprod`, headers: AUTH });
      expect(prod.json().items.map((a: { name: string }) => a.name).sort()).toEqual(['pager-0', 'pager-2', 'pager-4']);
      const both = await h.app.inject({ method: 'GET', url: `/admin/v1/agents?owner=${owner}&label=env%3Dprod&label=tier%3D2`, headers: AUTH });
      expect(both.json().items.map((a: { name: string }) => a.name)).toEqual(['pager-2']);
      const byName = await h.app.inject({ method: 'GET', url: `/admin/v1/agents?owner=${owner}&name=PAGER-3`, headers: AUTH });
      expect(byName.json().items.map((a: { name: string }) => a.name)).toEqual(['pager-3']);

      await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${ids[0]}/suspend`, headers: AUTH });
      const suspended = await h.app.inject({ method: 'GET', url: `/admin/v1/agents?owner=${owner}&status=suspended`, headers: AUTH });
      expect(suspended.json().items.map((a: { id: string }) => a.id)).toEqual([ids[0]]);
    });

    it('refuses a limit out of 1..500 and an unknown query parameter', async () => {
      for (const query of ['limit=0', 'limit=501', 'limit=abc', 'colour=red', 'label=nokey', 'status=sleeping']) {
        const response = await h.app.inject({ method: 'GET', url: `/admin/v1/agents?${query}`, headers: AUTH });
        expect(response.statusCode, query).toBe(400);
        expect(response.json().code).toBe('validation_failed');
      }
    });
  });

  describe('agent lifecycle', () => {
    it('patches fields, suspends, resumes, disables and deletes, auditing each step', async () => {
      const created = await create({ name: 'life', owner: 'team-life', scopes: ['a:read'] });
      const id = created.json().agent.id as string;

      const patched = await h.app.inject({
        method: 'PATCH',
        url: `/admin/v1/agents/${id}`,
        headers: AUTH,
        payload: { scopes: ['a:read', 'a:write'], access_token_ttl: 60, labels: { env: 'staging' } },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ scopes: ['a:read', 'a:write'], access_token_ttl: 60, labels: { env: 'staging' }, name: 'life' });

      const empty = await h.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${id}`, headers: AUTH, payload: {} });
      expect(empty.statusCode).toBe(400);

      h.changed.length = 0;
      const suspended = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/suspend`, headers: AUTH });
      expect(suspended.json().status).toBe('suspended');
      expect(h.changed).toEqual([id]);
      const stored = await h.store.getAgent(id);
      expect(stored?.revokedBefore).toBe(h.clock.now());

      const resumed = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/resume`, headers: AUTH, payload: {} });
      expect(resumed.json().status).toBe('active');
      const disabled = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/disable`, headers: AUTH });
      expect(disabled.json().status).toBe('disabled');
      const again = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/resume`, headers: AUTH });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('conflict');

      const deleted = await h.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${id}`, headers: AUTH });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      const gone = await h.app.inject({ method: 'GET', url: `/admin/v1/agents/${id}`, headers: AUTH });
      expect(gone.statusCode).toBe(404);
      expect(gone.json().code).toBe('not_found');

      const events = (await h.store.queryAudit({ agentId: id }, { limit: 50 })).items;
      // Refused requests are on record too, each once, with the problem code and detail.
      expect(events.map((e) => [e.event, e.reason?.split(':')[0] ?? null])).toEqual([
        ['agent.registered', null],
        ['agent.updated', null],
        ['admin_request.denied', 'validation_failed'],
        ['agent.suspended', null],
        ['agent.resumed', null],
        ['agent.disabled', null],
        ['admin_request.denied', 'conflict'],
        ['agent.deleted', null],
        ['admin_request.denied', 'not_found'],
      ]);
      expect(events[2]).toMatchObject({ outcome: 'failure', details: { method: 'PATCH', path: `/admin/v1/agents/${id}`, status: 400 } });
      expect(events[2]?.reason).toMatch(/^validation_failed: body must NOT have fewer than 1 properties/);
      for (const event of events) {
        expect(event.actor).toBe('admin:bootstrap');
        expect(event.sourceIp).toBe('127.0.0.1');
        expect(event.requestId).toMatch(/.+/);
      }
      expect(events[1]?.details).toMatchObject({ fields: ['scopes', 'access_token_ttl', 'labels'], scopes: ['a:read', 'a:write'], access_token_ttl: 60 });
    });

    it('adds and removes keys; a removed or unknown credential is not_found', async () => {
      const created = await create({ name: 'keys', owner: 'team-keys', jwks: { keys: [await publicJwk('k1')] } });
      const id = created.json().agent.id as string;
      const added = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/credentials`, headers: AUTH, payload: { type: 'jwk', jwk: await publicJwk('k2') } });
      expect(added.statusCode).toBe(201);
      const credential = added.json().credential;
      expect(credential).toMatchObject({ type: 'jwk', kid: 'k2' });
      expect(added.json().client_secret).toBeUndefined();

      const dup = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/credentials`, headers: AUTH, payload: { type: 'jwk', jwk: await publicJwk('k2') } });
      expect(dup.statusCode).toBe(409);
      const bad = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/credentials`, headers: AUTH, payload: { type: 'jwk' } });
      expect(bad.statusCode).toBe(400);

      const removed = await h.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${id}/credentials/${credential.id}`, headers: AUTH });
      expect(removed.statusCode).toBe(204);
      const twice = await h.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${id}/credentials/${credential.id}`, headers: AUTH });
      expect(twice.statusCode).toBe(404);
      const read = await h.app.inject({ method: 'GET', url: `/admin/v1/agents/${id}`, headers: AUTH });
      expect(read.json().credentials.map((c: { kid: string }) => c.kid)).toEqual(['k1']);

      const events = (await h.store.queryAudit({ agentId: id }, { limit: 50 })).items.map((e) => [e.event, e.details['kid']]);
      expect(events).toEqual([
        ['agent.registered', undefined],
        ['credential.added', 'k2'],
        ['admin_request.denied', undefined],
        ['admin_request.denied', undefined],
        ['credential.removed', 'k2'],
        ['admin_request.denied', undefined],
      ]);
    });

    it('answers not_found for an agent that does not exist', async () => {
      for (const [method, url] of [
        ['GET', '/admin/v1/agents/agt_AAAAAAAAAAAAAAAAAAAAAA'],
        ['POST', '/admin/v1/agents/agt_AAAAAAAAAAAAAAAAAAAAAA/suspend'],
        ['DELETE', '/admin/v1/agents/agt_AAAAAAAAAAAAAAAAAAAAAA'],
      ] as const) {
        const response = await h.app.inject({ method, url, headers: AUTH });
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(response.json().code).toBe('not_found');
      }
    });
  });
});
