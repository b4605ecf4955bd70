import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/agents/client-secret.js';
import { AUTH, ISSUER, privateJwk, publicJwk, startAdminHarness, type AdminHarness } from './admin-harness.js';
import { BACKENDS } from '../support/test-server.js';

describe.each(BACKENDS)('registration (%s)', (backend) => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness(backend);
  });
  afterAll(async () => {
    await h.close();
  });

  /** `null`: no Authorization header at all. */
  const register = (payload: unknown, authorization: string | null = AUTH.authorization) =>
    h.app.inject({ method: 'POST', url: '/register', headers: authorization === null ? {} : { authorization }, payload: payload as Record<string, unknown> });

  function expectOAuthError(response: { statusCode: number; json(): unknown; headers: Record<string, unknown> }, status: number, error: string) {
    expect(response.statusCode).toBe(status);
    const body = response.json() as Record<string, unknown>;
    expect(body['error']).toBe(error);
    expect(typeof body['error_description']).toBe('string');
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  }

  describe('RFC 7591 POST /register', () => {
    it('registers a private_key_jwt client with an admin initial access token and returns the client information', async () => {
      const jwk = await publicJwk('reg-1');
      const response = await register({
        client_name: 'crawler',
        owner: 'team-crawl',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
        scope: 'pages:read pages:write',
        resources: ['https://pages.example.com'],
        logo_uri: 'https://example.com/logo.png',
        software_id: 'ignored-but-accepted',
      });
      expect(response.statusCode).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json();
      expect(body.client_id).toMatch(/^agt_/);
      expect(body).toMatchObject({
        client_id_issued_at: Math.floor(h.clock.now() / 1000),
        registration_client_uri: `${ISSUER}/register/${body.client_id}`,
        client_name: 'crawler',
        owner: 'team-crawl',
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['client_credentials'],
        scope: 'pages:read pages:write',
        resources: ['https://pages.example.com'],
        jwks: { keys: [{ ...jwk, kid: 'reg-1' }] },
      });
      expect(body.client_secret).toBeUndefined();
      expect(body.logo_uri).toBeUndefined();
      expect(body.registration_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const stored = await h.store.getAgent(body.client_id);
      expect(stored?.registrationAccessTokenHash).toBe(hashSecret(body.registration_access_token));
      const audit = (await h.store.queryAudit({ agentId: body.client_id }, { limit: 5 })).items;
      expect(audit.map((r) => [r.event, r.actor, r.details['via']])).toEqual([['agent.registered', 'admin:bootstrap', 'registration']]);
      expect(JSON.stringify(audit)).not.toContain(body.registration_access_token);
    });

    it('defaults to client_secret_basic (RFC 7591 §2) and issues a secret that never expires', async () => {
      const response = await register({ owner: 'team-legacy' });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body.token_endpoint_auth_method).toBe('client_secret_basic');
      expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.client_secret_expires_at).toBe(0);
      expect(body.client_name).toBe('dynamically registered client');
    });

    it('grants privileged scopes to a registration made with an admin token', async () => {
      const admin = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'reg-admin', owner: 'ops', scopes: ['agentauth:admin'] } });
      const token = h.token(admin.json().agent.id);
      const response = await register({ owner: 'ops', scope: 'agentauth:introspect' }, `Bearer ${token}`);
      expect(response.statusCode).toBe(201);
      expect(response.json().scope).toBe('agentauth:introspect');
      const audit = (await h.store.queryAudit({ agentId: response.json().client_id }, { limit: 5 })).items;
      expect(audit[0]?.actor).toBe(`admin:${admin.json().agent.id}`);
    });

    it('requires an admin initial access token (RFC 7591 §3, RFC 6750 §3.1)', async () => {
      const none = await register({ owner: 'x' }, null);
      expectOAuthError(none, 401, 'invalid_token');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
      expectOAuthError(await register({ owner: 'x' }, 'Bearer not-the-bootstrap-token'), 401, 'invalid_token');

      const plain = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'reg-plain', owner: 'x', scopes: ['a'] } });
      const forbidden = await register({ owner: 'x' }, `Bearer ${h.token(plain.json().agent.id, { scope: 'a' })}`);
      expectOAuthError(forbidden, 403, 'insufficient_scope');
      const failures = (await h.store.queryAudit({ event: 'admin.authentication_failed' }, { limit: 50 })).items;
      expect(failures.length).toBe(3);
      expect(JSON.stringify(failures)).not.toContain('not-the-bootstrap-token');
    });

    it.each([
      ['no owner', { client_name: 'x' }],
      ['owner of the wrong type', { owner: 42 }],
      ['response_types', { owner: 'x', response_types: ['code'] }],
      ['an unsupported grant type', { owner: 'x', grant_types: ['authorization_code'] }],
      ['an unsupported auth method', { owner: 'x', token_endpoint_auth_method: 'none' }],
      ['a malformed scope', { owner: 'x', scope: 'a  b' }],
      ['a private JWK', { owner: 'x', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: ['PRIVATE'] } }],
      ['jwks with a secret method', { owner: 'x', token_endpoint_auth_method: 'client_secret_post', jwks: { keys: [] } }],
      ['jwks and jwks_uri', { owner: 'x', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: ['PUBLIC'] }, jwks_uri: 'https://k.example.com/jwks' }],
      ['an http jwks_uri', { owner: 'x', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://k.example.com/jwks' }],
      ['a relative resource', { owner: 'x', resources: ['api'] }],
      ['a JSON array', []],
    ])('refuses %s with invalid_client_metadata (RFC 7591 §3.2.2)', async (_label, metadata) => {
      let payload: unknown = metadata;
      if (!Array.isArray(metadata)) {
        const keys = (metadata as { jwks?: { keys: unknown[] } }).jwks?.keys;
        if (keys !== undefined) {
          const resolved = await Promise.all(keys.map(async (k) => (k === 'PRIVATE' ? privateJwk() : k === 'PUBLIC' ? publicJwk('p') : k)));
          payload = { ...metadata, jwks: { keys: resolved } };
        }
      }
      expectOAuthError(await register(payload), 400, 'invalid_client_metadata');
    });

    it('refuses redirect_uris with invalid_redirect_uri (RFC 7591 §3.2.2): no redirect-based grant exists here', async () => {
      expectOAuthError(await register({ owner: 'x', redirect_uris: ['https://app.example.com/cb'] }), 400, 'invalid_redirect_uri');
    });

    it('refuses malformed JSON and other media types with invalid_request', async () => {
      const bad = await h.app.inject({ method: 'POST', url: '/register', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"owner":' });
      expectOAuthError(bad, 400, 'invalid_request');
      const form = await h.app.inject({ method: 'POST', url: '/register', headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'owner=x' });
      expect(form.json().error).toBe('invalid_request');
      const big = await h.app.inject({ method: 'POST', url: '/register', headers: { ...AUTH, 'content-type': 'application/json' }, payload: JSON.stringify({ owner: 'x', pad: 'x'.repeat(70_000) }) });
      expect(big.statusCode).toBe(413);
    });
  });

  describe('RFC 7592 client configuration', () => {
    async function registered(metadata: Record<string, unknown> = {}) {
      const response = await register({ owner: 'team-self', client_name: 'self', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [await publicJwk('a')] }, ...metadata });
      expect(response.statusCode).toBe(201);
      return response.json() as { client_id: string; registration_access_token: string; client_secret?: string };
    }
    const config = (method: 'GET' | 'PUT' | 'DELETE', clientId: string, token: string | undefined, payload?: unknown) =>
      h.app.inject({
        method,
        url: `/register/${clientId}`,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    it('reads the client with its registration access token, never showing a secret', async () => {
      const client = await registered();
      const read = await config('GET', client.client_id, client.registration_access_token);
      expect(read.statusCode).toBe(200);
      const body = read.json();
      expect(body).toMatchObject({ client_id: client.client_id, client_name: 'self', owner: 'team-self', registration_client_uri: `${ISSUER}/register/${client.client_id}` });
      expect(body.registration_access_token).toBeUndefined();
      expect(body.client_secret).toBeUndefined();
    });

    it('answers 401 invalid_token to a missing or wrong token, another client\'s token, or an unknown client', async () => {
      const a = await registered();
      const b = await registered();
      expectOAuthError(await config('GET', a.client_id, undefined), 401, 'invalid_token');
      expectOAuthError(await config('GET', a.client_id, 'x'.repeat(43)), 401, 'invalid_token');
      expectOAuthError(await config('GET', a.client_id, b.registration_access_token), 401, 'invalid_token');
      expectOAuthError(await config('GET', 'agt_AAAAAAAAAAAAAAAAAAAAAA', a.registration_access_token), 401, 'invalid_token');
      expectOAuthError(await config('DELETE', a.client_id, AUTH.authorization.slice(7)), 401, 'invalid_token');
      // An admin-made agent has no registration access token at all.
      const admin = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'n', owner: 'o' } });
      expectOAuthError(await config('GET', admin.json().agent.id, a.registration_access_token), 401, 'invalid_token');
      const failures = (await h.store.queryAudit({ event: 'client_authentication.failed' }, { limit: 50 })).items;
      expect(failures.length).toBeGreaterThanOrEqual(6);
      expect(JSON.stringify(failures)).not.toContain(b.registration_access_token);
    });

    it('replaces the metadata with PUT (RFC 7592 §2.2), keeping client_id, and audits as the client', async () => {
      const client = await registered({ scope: 'x:read', resources: ['https://x.example.com'] });
      const newKey = await publicJwk('b');
      const put = await config('PUT', client.client_id, client.registration_access_token, {
        client_id: client.client_id,
        client_name: 'renamed',
        owner: 'team-self',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [newKey] },
        scope: 'x:write',
      });
      expect(put.statusCode).toBe(200);
      const body = put.json();
      expect(body).toMatchObject({ client_id: client.client_id, client_name: 'renamed', scope: 'x:write', resources: [], jwks: { keys: [newKey] } });
      const audit = (await h.store.queryAudit({ agentId: client.client_id }, { limit: 10 })).items;
      expect(audit.map((r) => r.event)).toEqual(['agent.registered', 'agent.updated', 'credential.added', 'credential.removed']);
      expect(audit.slice(1).every((r) => r.actor === `agent:${client.client_id}`)).toBe(true);

      // Switching to a secret method issues the secret the client now needs, once.
      const toSecret = await config('PUT', client.client_id, client.registration_access_token, { client_id: client.client_id, owner: 'team-self' });
      expect(toSecret.statusCode).toBe(200);
      expect(toSecret.json().token_endpoint_auth_method).toBe('client_secret_basic');
      expect(toSecret.json().client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(toSecret.json().jwks).toBeUndefined();
      const secret = toSecret.json().client_secret as string;
      const again = await config('PUT', client.client_id, client.registration_access_token, { client_id: client.client_id, owner: 'team-self', client_secret: secret });
      expect(again.statusCode).toBe(200);
      expect(again.json().client_secret).toBeUndefined();
    });

    it('refuses PUTs that change client_id, send server-assigned fields, a wrong secret, or add privileged scopes', async () => {
      const client = await registered();
      const base = { client_id: client.client_id, owner: 'team-self', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [await publicJwk('a')] } };
      for (const body of [
        { ...base, client_id: 'agt_BBBBBBBBBBBBBBBBBBBBBB' },
        { ...base, client_id: undefined },
        { ...base, registration_access_token: 'x' },
        { ...base, client_id_issued_at: 1 },
        { ...base, client_secret: 'guess' },
        { ...base, scope: 'agentauth:admin' },
      ]) {
        expectOAuthError(await config('PUT', client.client_id, client.registration_access_token, body), 400, 'invalid_client_metadata');
      }
      expect((await h.store.getAgent(client.client_id))?.scopes).toEqual([]);
    });

    it('deletes the client with DELETE (RFC 7592 §2.3): 204, then its token is dead', async () => {
      const client = await registered();
      h.changed.length = 0;
      const deleted = await config('DELETE', client.client_id, client.registration_access_token);
      expect(deleted.statusCode).toBe(204);
      expect(h.changed).toContain(client.client_id);
      expect(await h.store.getAgent(client.client_id)).toBeUndefined();
      expectOAuthError(await config('GET', client.client_id, client.registration_access_token), 401, 'invalid_token');
      const audit = (await h.store.queryAudit({ agentId: client.client_id, event: 'agent.deleted' }, { limit: 5 })).items;
      expect(audit.map((r) => r.actor)).toEqual([`agent:${client.client_id}`]);
    });

    it('refuses a suspended client its registration access token', async () => {
      const client = await registered();
      await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${client.client_id}/suspend`, headers: AUTH });
      expectOAuthError(await config('GET', client.client_id, client.registration_access_token), 401, 'invalid_token');
    });
  });
});
