import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClientSecret } from '../../src/people/login-provider-service.js';
import { startTestServer, TEST_MASTER_KEY, type TestServer } from '../support/test-server.js';
import { ADMIN, auditOf, createPerson, csrfOf, signIn } from './people-harness.js';

const SECRET = 'very-secret-client-secret-0123456789';
const BODY = { id: 'okta', display_name: 'Okta', issuer: 'https://corp.okta.example', client_id: 'agentauth', client_secret: SECRET };

describe('login providers on the admin API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(() => t.close());

  const post = (payload: Record<string, unknown>) => t.server.app.inject({ method: 'POST', url: '/admin/v1/login-providers', headers: ADMIN, payload });

  it('creates a provider with defaults; the client secret is sealed at rest and never answered or audited', async () => {
    const created = await post(BODY);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: 'okta',
      client_secret_set: true,
      redirect_uri: 'http://127.0.0.1:8080/login/oidc/okta/callback',
      scopes: ['openid', 'email', 'profile'],
      claims: { email: 'email', name: 'name', groups: null },
      group_roles: {},
      allowed_domains: [],
      just_in_time: false,
    });
    const listed = await t.server.app.inject({ method: 'GET', url: '/admin/v1/login-providers', headers: ADMIN });
    expect(listed.json()).toMatchObject({ items: [{ id: 'okta' }] });
    expect(created.body + listed.body).not.toContain(SECRET);
    const stored = await t.server.deps.store.getLoginProvider('okta');
    expect(stored?.clientSecret).not.toContain(SECRET);
    expect(openClientSecret(TEST_MASTER_KEY, 'okta', stored?.clientSecret ?? '')).toBe(SECRET);
    // Bound to the provider's id: copied onto another provider's row, it no longer opens.
    expect(() => openClientSecret(TEST_MASTER_KEY, 'other', stored?.clientSecret ?? '')).toThrow();
    const records = await auditOf(t);
    expect(records.find((r) => r.event === 'login_provider.created')).toMatchObject({ actor: 'admin:bootstrap', details: { provider_id: 'okta', issuer: 'https://corp.okta.example' } });
    expect(JSON.stringify(records)).not.toContain(SECRET);
  });

  it('updates with a new secret, audited by field name only, and deletes', async () => {
    const updated = await t.server.app.inject({ method: 'PATCH', url: '/admin/v1/login-providers/okta', headers: ADMIN, payload: { client_secret: 'another-secret-value-000000', group_roles: { admins: ['admin'] }, just_in_time: true } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ group_roles: { admins: ['admin'] }, just_in_time: true });
    expect(openClientSecret(TEST_MASTER_KEY, 'okta', (await t.server.deps.store.getLoginProvider('okta'))?.clientSecret ?? '')).toBe('another-secret-value-000000');
    const records = await auditOf(t);
    expect(records.find((r) => r.event === 'login_provider.updated')).toMatchObject({ details: { changed: ['client_secret', 'group_roles', 'just_in_time'] } });
    expect(JSON.stringify(records)).not.toContain('another-secret-value');
    expect((await t.server.app.inject({ method: 'DELETE', url: '/admin/v1/login-providers/okta', headers: ADMIN })).statusCode).toBe(204);
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/login-providers/okta', headers: ADMIN })).json()).toMatchObject({ code: 'not_found' });
    expect((await t.server.app.inject({ method: 'DELETE', url: '/admin/v1/login-providers/okta', headers: ADMIN })).statusCode).toBe(404);
  });

  it('refuses what it cannot use, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...BODY, issuer: 'http://idp.example.com' }, 'issuer: must be https (http only on loopback)'],
      [{ ...BODY, issuer: 'https://idp.example.com/?tenant=1' }, 'issuer: must have no query or fragment'],
      [{ ...BODY, id: 'Has Spaces' }, 'body/id must match pattern'],
      [{ ...BODY, group_roles: { admins: ['root'] } }, 'must be equal to one of the allowed values'],
      [{ ...BODY, allowed_domains: ['not a domain'] }, 'allowed_domains: each a DNS domain name'],
      [{ ...BODY, scopes: ['a"b'] }, 'scopes: each a scope token'],
      [{ ...BODY, client_secret: 'line\nbreak' }, 'client_secret: 1 to 512 printable characters'],
    ];
    for (const [payload, detail] of cases) {
      const refused = await post(payload);
      expect(refused.statusCode, detail).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'validation_failed' });
      expect((refused.json() as { detail: string }).detail).toContain(detail);
    }
    expect((await post(BODY)).statusCode).toBe(201);
    expect((await post(BODY)).json()).toMatchObject({ code: 'conflict' });
  });

  it('lets an auditor read providers but not change them', async () => {
    await createPerson(t, 'audrey@example.com', ['auditor']);
    const session = await signIn(t, 'audrey@example.com');
    const cookie = `__Host-agentauth-session=${session}`;
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/login-providers', headers: { cookie } })).statusCode).toBe(200);
    const refused = await t.server.app.inject({ method: 'POST', url: '/admin/v1/login-providers', headers: { cookie, 'x-csrf-token': await csrfOf(t, session) }, payload: { ...BODY, id: 'sneaky' } });
    expect(refused.statusCode).toBe(403);
  });

  it('answers 502 when discovery is refused by the SSRF guard (a loopback issuer, private networks not allowed), audited', async () => {
    expect((await post({ ...BODY, id: 'local', issuer: 'http://127.0.0.1:9' })).statusCode).toBe(201);
    const response = await t.server.app.inject({ method: 'GET', url: '/login/oidc/local' });
    expect(response.statusCode).toBe(502);
    expect(response.body).toContain('The identity provider cannot be reached now.');
    const failed = (await auditOf(t)).filter((r) => r.event === 'user_login.failed').pop();
    expect(failed?.reason).toMatch(/^discovery failed: .*address: http:\/\/127\.0\.0\.1:9 resolves to a refused address/);
  });
});
