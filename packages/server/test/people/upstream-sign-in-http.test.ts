import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { ADMIN, auditOf, cookieValue, createPerson, setCookies } from './people-harness.js';
import { startFixtureOp, type FixtureOp } from './upstream-op-fixture.js';

const STATE_COOKIE = '__Host-agentauth-oidc-state';

describe('sign-in through an upstream OpenID Connect provider', () => {
  let t: TestServer;
  let op: FixtureOp;

  beforeAll(async () => {
    op = await startFixtureOp();
    t = await startTestServer('sqlite', { AGENTAUTH_LOGIN_PROVIDERS_ALLOW_PRIVATE_NETWORKS: 'true' });
    op.now = () => t.clock.now();
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/admin/v1/login-providers',
      headers: ADMIN,
      payload: {
        id: 'corp',
        display_name: 'Corp SSO',
        issuer: op.issuer,
        client_id: op.clientId,
        client_secret: op.clientSecret,
        claims: { groups: 'groups' },
        group_roles: { 'platform-admins': ['admin'], auditors: ['auditor'] },
        allowed_domains: ['corp.example'],
        just_in_time: true,
      },
    });
    expect(created.statusCode).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await op.close();
  });
  beforeEach(() => {
    op.misbehave = {};
    op.person = { email: 'grace@corp.example', email_verified: true, name: 'Grace Hopper', groups: ['platform-admins', 'everyone'] };
  });

  /** GET /login/oidc/{provider}: where it redirects and the state cookie it sets. */
  async function start(provider = 'corp', returnTo = '/account'): Promise<{ location: string; state: string }> {
    const response = await t.server.app.inject({ method: 'GET', url: `/login/oidc/${provider}?return_to=${encodeURIComponent(returnTo)}` });
    expect(response.statusCode).toBe(303);
    return { location: response.headers.location as string, state: cookieValue(setCookies(response).get(STATE_COOKIE)) };
  }

  /** The browser comes back to our callback with the OP's answer and its state cookie. */
  async function callback(url: string, state: string | undefined) {
    const { pathname, search } = new URL(url);
    return t.server.app.inject({ method: 'GET', url: `${pathname}${search}`, headers: state === undefined ? {} : { cookie: `${STATE_COOKIE}=${state}` } });
  }

  async function lastFailure(): Promise<{ reason: string | null; details: Record<string, unknown> }> {
    const failures = (await auditOf(t)).filter((r) => r.event === 'user_login.failed');
    const last = failures[failures.length - 1];
    if (last === undefined) throw new Error('no user_login.failed record');
    return last;
  }

  async function expectRefused(response: Awaited<ReturnType<typeof callback>>, reason: RegExp): Promise<void> {
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Signing in through your identity provider did not succeed.');
    expect(setCookies(response).get('__Host-agentauth-session')).toBeUndefined();
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await lastFailure()).reason).toMatch(reason);
  }

  it('lists the provider on the sign-in page', async () => {
    const page = await t.server.app.inject({ method: 'GET', url: '/login?return_to=%2Faccount' });
    expect(page.body).toContain('<a class="provider" href="/login/oidc/corp?return_to=%2Faccount">Sign in with Corp SSO</a>');
  });

  it('sends the browser upstream with code + PKCE S256 + state + nonce, and a browser-bound state cookie', async () => {
    const { location, state } = await start();
    const url = new URL(location);
    expect(url.origin + url.pathname).toBe(`${op.issuer}/authorize`);
    const q = url.searchParams;
    expect(Object.fromEntries(q)).toMatchObject({ response_type: 'code', client_id: op.clientId, redirect_uri: 'http://127.0.0.1:8080/login/oidc/corp/callback', code_challenge_method: 'S256', state });
    expect(q.get('scope')?.split(' ')).toEqual(['openid', 'email', 'profile']);
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).not.toBe(state);
    const response = await t.server.app.inject({ method: 'GET', url: '/login/oidc/corp' });
    expect(setCookies(response).get(STATE_COOKIE)).toMatch(/^__Host-agentauth-oidc-state=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
  });

  it('signs a new person in just in time, with the roles their groups map to, audited', async () => {
    const { location, state } = await start('corp', '/account');
    const response = await callback(await op.authorize(location), state);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/account');
    const session = cookieValue(setCookies(response).get('__Host-agentauth-session'));
    const page = await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: `__Host-agentauth-session=${session}` } });
    expect(page.body).toContain('Signed in as <strong id="who">Grace Hopper</strong> (grace@corp.example).');
    expect(page.body).toContain('<span id="roles">admin</span>');
    const users = (await t.server.app.inject({ method: 'GET', url: '/admin/v1/users', headers: ADMIN })).json() as { items: { email: string; groups: string[]; roles: string[]; password_set: boolean }[] };
    expect(users.items.find((u) => u.email === 'grace@corp.example')).toMatchObject({ groups: ['everyone', 'platform-admins'], roles: ['admin'], password_set: false });
    const records = await auditOf(t);
    expect(records.find((r) => r.event === 'user.created' && r.details.email === 'grace@corp.example')).toMatchObject({ actor: 'login_provider:corp', details: { roles: ['admin'], local_account: false } });
    expect(records.filter((r) => r.event === 'user_session.created').pop()).toMatchObject({ details: { provider_id: 'corp', sub: 'grace-0001' } });
    expect(JSON.stringify(records)).not.toContain(op.clientSecret);
  });

  it('updates groups and roles from the upstream at the next sign-in', async () => {
    op.person = { ...op.person, groups: ['auditors'] };
    const { location, state } = await start();
    const response = await callback(await op.authorize(location), state);
    expect(response.statusCode).toBe(303);
    const updated = (await auditOf(t)).filter((r) => r.event === 'user.updated').pop();
    expect(updated).toMatchObject({ actor: 'login_provider:corp', details: { changed: ['groups', 'roles'], roles: ['auditor'] } });
  });

  it('refuses a state that does not match the browser (forged, or a callback planted in another browser)', async () => {
    const { location } = await start();
    const other = await start();
    await expectRefused(await callback(await op.authorize(location), other.state), /state does not match this browser/);
    await expectRefused(await callback(await op.authorize(location), undefined), /state does not match this browser/);
  });

  it('refuses a forged state the server never issued', async () => {
    const forged = 'A'.repeat(43);
    await expectRefused(await callback(`http://127.0.0.1:8080/login/oidc/corp/callback?code=x&state=${forged}`, forged), /state unknown, already used or expired/);
  });

  it('refuses a replayed state: the pending sign-in is single use', async () => {
    const { location, state } = await start();
    const back = await op.authorize(location);
    expect((await callback(back, state)).statusCode).toBe(303);
    await expectRefused(await callback(back, state), /state unknown, already used or expired/);
  });

  it('lets exactly one of two callbacks racing with one state through', async () => {
    const { location, state } = await start();
    const back = await op.authorize(location);
    const answers = await Promise.all([callback(back, state), callback(back, state)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([303, 401]);
  });

  it('signs a new person in twice at once (two tabs) and creates them once', async () => {
    op.person = { ...op.person, email: 'twice@corp.example' };
    const first = await start();
    const second = await start();
    const [a, b] = [await op.authorize(first.location), await op.authorize(second.location)];
    const answers = await Promise.all([callback(a, first.state), callback(b, second.state)]);
    expect(answers.map((r) => r.statusCode)).toEqual([303, 303]);
    const created = (await auditOf(t)).filter((r) => r.event === 'user.created' && r.details.email === 'twice@corp.example');
    expect(created).toHaveLength(1);
  });

  it('refuses a state older than ten minutes', async () => {
    const { location, state } = await start();
    const back = await op.authorize(location);
    t.clock.advance(10 * 60_000 + 1);
    await expectRefused(await callback(back, state), /state unknown, already used or expired/);
  });

  it('refuses an ID token with another nonce', async () => {
    op.misbehave = { idToken: (c) => ({ ...c, nonce: 'not-the-nonce' }) };
    const { location, state } = await start();
    await expectRefused(await callback(await op.authorize(location), state), /upstream: .*nonce/);
  });

  it('refuses an ID token from another issuer, or for another audience', async () => {
    op.misbehave = { idToken: (c) => ({ ...c, iss: 'https://evil.example' }) };
    let started = await start();
    await expectRefused(await callback(await op.authorize(started.location), started.state), /upstream: .*"iss"/);
    op.misbehave = { idToken: (c) => ({ ...c, aud: 'someone-else' }) };
    started = await start();
    await expectRefused(await callback(await op.authorize(started.location), started.state), /upstream: .*"aud"/);
  });

  it('refuses an expired ID token', async () => {
    op.misbehave = { idToken: (c) => ({ ...c, iat: Math.floor(t.clock.now() / 1000) - 7200, exp: Math.floor(t.clock.now() / 1000) - 3600 }) };
    const { location, state } = await start();
    await expectRefused(await callback(await op.authorize(location), state), /upstream: .*"exp"/);
  });

  it('refuses an ID token signed with a key the OP does not publish', async () => {
    op.misbehave = { foreignKey: true };
    const { location, state } = await start();
    await expectRefused(await callback(await op.authorize(location), state), /upstream: .*signature/i);
  });

  it('refuses an authorization response whose iss is another issuer, or missing when the OP advertises it (RFC 9207)', async () => {
    op.misbehave = { responseIss: 'wrong' };
    let started = await start();
    await expectRefused(await callback(await op.authorize(started.location), started.state), /upstream: .*"iss"/);
    op.misbehave = { responseIss: 'absent' };
    started = await start();
    await expectRefused(await callback(await op.authorize(started.location), started.state), /upstream: .*"iss"/);
  });

  it('refuses and audits an error the OP sends back', async () => {
    op.misbehave = { error: 'access_denied' };
    const { location, state } = await start();
    await expectRefused(await callback(await op.authorize(location), state), /upstream: authorization error access_denied/);
  });

  it('refuses an email domain not allowed, and an unverified email', async () => {
    op.person = { ...op.person, email: 'mallory@elsewhere.example' };
    let started = await start();
    await expectRefused(await callback(await op.authorize(started.location), started.state), /email domain elsewhere\.example not allowed/);
    op.person = { ...op.person, email: 'ada@corp.example', email_verified: false };
    started = await start();
    await expectRefused(await callback(await op.authorize(started.location), started.state), /email_verified is not true/);
  });

  it('refuses an unknown person when just-in-time creation is off, and lets a known one in', async () => {
    expect((await t.server.app.inject({ method: 'PATCH', url: '/admin/v1/login-providers/corp', headers: ADMIN, payload: { just_in_time: false } })).statusCode).toBe(200);
    try {
      op.person = { ...op.person, email: 'new.person@corp.example' };
      let started = await start();
      await expectRefused(await callback(await op.authorize(started.location), started.state), /just-in-time creation is off/);
      await createPerson(t, 'known@corp.example', []);
      op.person = { ...op.person, email: 'known@corp.example' };
      started = await start();
      expect((await callback(await op.authorize(started.location), started.state)).statusCode).toBe(303);
    } finally {
      await t.server.app.inject({ method: 'PATCH', url: '/admin/v1/login-providers/corp', headers: ADMIN, payload: { just_in_time: true } });
    }
  });

  it('refuses an unknown provider with a plain 404 page, audited', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/login/oidc/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('This sign-in option does not exist.');
    expect((await lastFailure()).reason).toBe('unknown login provider');
    const { location, state } = await start();
    const back = new URL(await op.authorize(location));
    await expectRefused(await callback(`http://127.0.0.1:8080/login/oidc/other/callback${back.search}`, state), /state was issued for provider corp/);
  });

  it('refuses a suspended person', async () => {
    op.person = { ...op.person, email: 'suspended@corp.example' };
    let started = await start();
    expect((await callback(await op.authorize(started.location), started.state)).statusCode).toBe(303);
    const users = (await t.server.app.inject({ method: 'GET', url: '/admin/v1/users', headers: ADMIN })).json() as { items: { id: string; email: string }[] };
    const id = users.items.find((u) => u.email === 'suspended@corp.example')?.id;
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
    started = await start();
    await expectRefused(await callback(await op.authorize(started.location), started.state), /account suspended/);
  });
});
