import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/agents/client-secret.js';
import { AUTH, BOOTSTRAP, ISSUER, privateJwk, publicJwk, startAdminHarness, type AdminHarness } from './admin-harness.js';
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

  /** An RFC 6749 §5.2 / RFC 7591 §3.2.2 error; returns its description (printable ASCII, no `"` or `\`). */
  function expectOAuthError(response: { statusCode: number; json(): unknown; headers: Record<string, unknown> }, status: number, error: string): string {
    expect(response.statusCode).toBe(status);
    const body = response.json() as Record<string, unknown>;
    expect(body['error']).toBe(error);
    expect(typeof body['error_description']).toBe('string');
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
    const description = body['error_description'] as string;
    expect(description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    return description;
  }

  const agentCount = async () => (await h.store.listAgents({}, { limit: 500 })).items.length;
  const denials = async () => (await h.store.queryAudit({ event: 'client_registration.denied' }, { limit: 500 })).items;
  const RESOURCES = ['https://api.example.com'];

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
      const response = await register({ owner: 'team-legacy', resources: RESOURCES });
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

    it('defaults owner to the principal behind the initial access token, and records that it did', async () => {
      const byBootstrap = await register({ resources: RESOURCES });
      expect(byBootstrap.statusCode).toBe(201);
      expect(byBootstrap.json().owner).toBe('admin:bootstrap');
      const audit = (await h.store.queryAudit({ agentId: byBootstrap.json().client_id }, { limit: 5 })).items;
      expect(audit.map((r) => [r.event, r.details['owner'], r.details['defaulted']])).toEqual([['agent.registered', 'admin:bootstrap', ['owner']]]);
      expect((await h.store.getAgent(byBootstrap.json().client_id))?.owner).toBe('admin:bootstrap');

      const admin = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'reg-owner', owner: 'ops', scopes: ['agentauth:admin'] } });
      const adminId = admin.json().agent.id as string;
      const byAdmin = await register({ resources: RESOURCES }, `Bearer ${h.token(adminId)}`);
      expect(byAdmin.json().owner).toBe(`admin:${adminId}`);

      // An owner sent is kept, and nothing is said to be defaulted.
      const named = await register({ owner: 'team-named', resources: RESOURCES });
      expect(named.json().owner).toBe('team-named');
      const namedAudit = (await h.store.queryAudit({ agentId: named.json().client_id }, { limit: 5 })).items;
      expect(namedAudit[0]?.details['defaulted']).toBeUndefined();
    });

    it('refuses a registration without resources, naming the field, when the server has no default resource', async () => {
      const before = await agentCount();
      for (const metadata of [{}, { resources: [] }, { scope: 'orders:read' }, { scope: 'agentauth:introspect orders:read' }]) {
        const description = expectOAuthError(await register(metadata), 400, 'invalid_client_metadata');
        expect(description).toMatch(/^resources is required: .*no default resource$/);
      }
      expect(await agentCount()).toBe(before);
    });

    it.each([
      ['owner of the wrong type', { owner: 42 }, 'owner must be a string'],
      ['an empty owner', { owner: '' }, 'owner must be 1..200 characters'],
      ['response_types', { response_types: ['code'] }, 'response_types must be absent or empty'],
      ['an unsupported grant type', { grant_types: ['authorization_code'] }, 'grant_types must be drawn from client_credentials'],
      ['an unsupported auth method', { token_endpoint_auth_method: 'client_secret_jwt' }, 'token_endpoint_auth_method must be one of private_key_jwt'],
      ['a malformed scope', { scope: 'a  b' }, 'scope must be scope-tokens separated by single spaces (RFC 6749 section 3.3'],
      ['a private JWK', { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: ['PRIVATE'] } }, "jwk must be a public key: private member 'd' is not accepted"],
      ['jwks with a secret method', { token_endpoint_auth_method: 'client_secret_post', jwks: { keys: [] } }, 'jwks is only for token_endpoint_auth_method private_key_jwt'],
      ['jwks and jwks_uri', { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: ['PUBLIC'] }, jwks_uri: 'https://k.example.com/jwks' }, 'jwks and jwks_uri must not both be present'],
      ['an http jwks_uri', { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://k.example.com/jwks' }, 'jwks_uri must use https'],
      ['a relative resource', { resources: ['api'] }, 'resources must be absolute URIs'],
      ['resources of the wrong type', { resources: 'https://api.example.com' }, 'resources must be an array of strings'],
      ['a JSON array', [], 'the request body must be a JSON object'],
    ])('refuses %s with invalid_client_metadata naming the field and the rule (RFC 7591 §3.2.2), audited, nothing written', async (_label, metadata, expected) => {
      let payload: unknown = metadata;
      if (!Array.isArray(metadata)) {
        payload = { owner: 'x', resources: RESOURCES, ...metadata };
        const keys = (metadata as { jwks?: { keys: unknown[] } }).jwks?.keys;
        if (keys !== undefined) {
          const resolved = await Promise.all(keys.map(async (k) => (k === 'PRIVATE' ? privateJwk() : k === 'PUBLIC' ? publicJwk('p') : k)));
          payload = { ...(payload as object), jwks: { keys: resolved } };
        }
      }
      const agents = await agentCount();
      const denied = (await denials()).length;
      const response = await register(payload);
      expect(expectOAuthError(response, 400, 'invalid_client_metadata')).toContain(expected);
      // A refused registration leaves no agent, no credential: only its audit record.
      expect(await agentCount()).toBe(agents);
      const records = await denials();
      expect(records.length).toBe(denied + 1);
      const record = records.at(-1)!;
      expect(record).toMatchObject({ outcome: 'failure', actor: 'admin:bootstrap', agentId: null, sourceIp: '127.0.0.1' });
      expect(record.requestId).toMatch(/.+/);
      expect(record.reason).toMatch(/^invalid_client_metadata: /);
      expect(record.details).toMatchObject({ endpoint: 'registration', method: 'POST', status: 400 });
      expect(JSON.stringify(record)).not.toContain(BOOTSTRAP);
    });

    it('refuses redirect_uris with invalid_redirect_uri (RFC 7591 §3.2.2): no redirect-based grant exists here', async () => {
      const description = expectOAuthError(await register({ owner: 'x', resources: RESOURCES, redirect_uris: ['https://app.example.com/cb'] }), 400, 'invalid_redirect_uri');
      expect(description).toMatch(/^redirect_uris must be absent or empty/);
      expect((await denials()).at(-1)?.reason).toMatch(/^invalid_redirect_uri: redirect_uris/);
    });

    it('refuses malformed JSON and other media types with invalid_request, saying what the body must be, each audited once', async () => {
      const denied = (await denials()).length;
      const bad = await h.app.inject({ method: 'POST', url: '/register', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"owner":' });
      expect(expectOAuthError(bad, 400, 'invalid_request')).toBe('the request body is not valid JSON');
      const form = await h.app.inject({ method: 'POST', url: '/register', headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'owner=x' });
      expect(expectOAuthError(form, 400, 'invalid_request')).toBe('the request body must be application/json (RFC 7591 section 3.1)');
      const big = await h.app.inject({ method: 'POST', url: '/register', headers: { ...AUTH, 'content-type': 'application/json' }, payload: JSON.stringify({ owner: 'x', pad: 'x'.repeat(70_000) }) });
      expect(expectOAuthError(big, 413, 'invalid_request')).toBe('the request body must be at most 64 KiB');
      expect((await denials()).slice(denied).map((r) => r.reason)).toEqual([
        'invalid_request: request rejected: FST_ERR_CTP_INVALID_JSON_BODY',
        'invalid_request: request rejected: FST_ERR_CTP_INVALID_MEDIA_TYPE',
        'invalid_request: request rejected: FST_ERR_CTP_BODY_TOO_LARGE',
      ]);
    });

    it('audits a refused initial access token once, as an authentication failure, whatever else is wrong with the request', async () => {
      const denied = (await denials()).length;
      const failed = (await h.store.queryAudit({ event: 'admin.authentication_failed' }, { limit: 500 })).items.length;
      const response = await h.app.inject({ method: 'POST', url: '/register', headers: { authorization: 'Bearer wrong-token-0123456789', 'content-type': 'text/plain' }, payload: 'x' });
      expect(expectOAuthError(response, 401, 'invalid_token')).toBe('The access token is invalid.');
      expect((await denials()).length).toBe(denied);
      expect((await h.store.queryAudit({ event: 'admin.authentication_failed' }, { limit: 500 })).items.length).toBe(failed + 1);
    });
  });

  describe('RFC 7592 client configuration', () => {
    async function registered(metadata: Record<string, unknown> = {}) {
      const response = await register({ owner: 'team-self', client_name: 'self', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [await publicJwk('a')] }, resources: RESOURCES, ...metadata });
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
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [newKey] },
        scope: 'x:write',
        resources: ['https://y.example.com'],
      });
      expect(put.statusCode).toBe(200);
      const body = put.json();
      // An omitted owner stays who answers for the client.
      expect(body).toMatchObject({ client_id: client.client_id, client_name: 'renamed', owner: 'team-self', scope: 'x:write', resources: ['https://y.example.com'], jwks: { keys: [newKey] } });
      const audit = (await h.store.queryAudit({ agentId: client.client_id }, { limit: 10 })).items;
      expect(audit.map((r) => r.event)).toEqual(['agent.registered', 'agent.updated', 'credential.added', 'credential.removed']);
      expect(audit.slice(1).every((r) => r.actor === `agent:${client.client_id}`)).toBe(true);

      // Switching to a secret method issues the secret the client now needs, once.
      const toSecret = await config('PUT', client.client_id, client.registration_access_token, { client_id: client.client_id, owner: 'team-self', resources: RESOURCES });
      expect(toSecret.statusCode).toBe(200);
      expect(toSecret.json().token_endpoint_auth_method).toBe('client_secret_basic');
      expect(toSecret.json().client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(toSecret.json().jwks).toBeUndefined();
      const secret = toSecret.json().client_secret as string;
      const again = await config('PUT', client.client_id, client.registration_access_token, { client_id: client.client_id, owner: 'team-self', resources: RESOURCES, client_secret: secret });
      expect(again.statusCode).toBe(200);
      expect(again.json().client_secret).toBeUndefined();
    });

    it('refuses PUTs that change client_id, send server-assigned fields, a wrong secret, or add privileged scopes', async () => {
      const client = await registered();
      const base = { client_id: client.client_id, owner: 'team-self', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [await publicJwk('a')] }, resources: RESOURCES };
      const denied = (await denials()).length;
      for (const [body, expected] of [
        [{ ...base, client_id: 'agt_BBBBBBBBBBBBBBBBBBBBBB' }, 'client_id must be present and equal to the client being updated'],
        [{ ...base, client_id: undefined }, 'client_id must be present and equal to the client being updated'],
        [{ ...base, registration_access_token: 'x' }, 'registration_access_token must not be sent in an update'],
        [{ ...base, client_id_issued_at: 1 }, 'client_id_issued_at must not be sent in an update'],
        [{ ...base, client_secret: 'guess-0123456789' }, 'client_secret does not match the issued secret'],
        [{ ...base, scope: 'agentauth:admin' }, "only an administrator may grant the scope 'agentauth:admin'"],
        [{ ...base, resources: [] }, 'resources is required'],
      ] as const) {
        const description = expectOAuthError(await config('PUT', client.client_id, client.registration_access_token, body), 400, 'invalid_client_metadata');
        expect(description).toContain(expected);
        expect(description).not.toContain('guess-0123456789');
      }
      expect((await h.store.getAgent(client.client_id))?.scopes).toEqual([]);
      // Each refusal on record once, as the client, with the reason; never the secret it guessed.
      const records = (await denials()).slice(denied);
      expect(records.map((r) => [r.agentId, r.actor, r.details['endpoint'], r.details['method']])).toEqual(
        Array.from({ length: 7 }, () => [client.client_id, `agent:${client.client_id}`, 'client_configuration', 'PUT']),
      );
      expect(JSON.stringify(records)).not.toContain('guess-0123456789');
      expect(JSON.stringify(records)).not.toContain(client.registration_access_token);
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

describe.each(BACKENDS)('registration with a default resource (%s)', (backend) => {
  const DEFAULT = 'https://default.example.com';
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness(backend, { defaultResource: DEFAULT });
  });
  afterAll(async () => {
    await h.close();
  });
  const register = (payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/register', headers: AUTH, payload });

  it('gives a registration without resources the default resource (RFC 8707 §2), and says so in the audit record', async () => {
    const response = await register({});
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ owner: 'admin:bootstrap', resources: [DEFAULT], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    expect((await h.store.getAgent(body.client_id))?.resources).toEqual([DEFAULT]);
    const audit = (await h.store.queryAudit({ agentId: body.client_id }, { limit: 5 })).items;
    expect(audit[0]?.details).toMatchObject({ via: 'registration', owner: 'admin:bootstrap', resources: [DEFAULT], defaulted: ['owner', 'resources'] });
  });

  it('keeps the resources a registration names, and an RFC 7592 update that omits them returns to the default', async () => {
    const response = await register({ owner: 'team-a', resources: ['https://a.example.com'] });
    expect(response.json().resources).toEqual(['https://a.example.com']);
    const { client_id: id, registration_access_token: token, client_secret: secret } = response.json();
    const put = await h.app.inject({ method: 'PUT', url: `/register/${id}`, headers: { authorization: `Bearer ${token}` }, payload: { client_id: id, client_secret: secret } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ owner: 'team-a', resources: [DEFAULT] });
  });
});
