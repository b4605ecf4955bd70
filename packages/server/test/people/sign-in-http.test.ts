import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { ADMIN, PASSWORD, auditOf, codeAt, cookieValue, createPerson, csrfOf, enrolTotp, field, postLogin, postTotp, setCookies, signIn } from './people-harness.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('sign-in pages: sessions, cookies and headers', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_LOGIN_LOCKOUT_FAILURES: '3', AGENTAUTH_LOGIN_LOCKOUT_DURATION: '600' });
  });
  afterAll(() => t.close());

  it('serves the form with a __Host- double-submit cookie and the strict headers', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/login' });
    expect(response.statusCode).toBe(200);
    // The sign-in form offers a passkey: its one script, from our origin, and nothing inline.
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(response.headers).toMatchObject({ 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    expect(response.body.replace('<script type="module" src="/login/passkey.js"></script>', '')).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    const account = await t.server.app.inject({ method: 'GET', url: '/account' });
    expect(account.headers['content-security-policy']).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(setCookies(response).get('__Host-agentauth-login-csrf')).toMatch(/^__Host-agentauth-login-csrf=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
  });

  it('signs a person in with a password: a __Host- session cookie, the signed-in page, audited without the password', async () => {
    const id = await createPerson(t, 'ada@example.com', ['admin']);
    const { response, session } = await postLogin(t, ' ADA@example.com ', PASSWORD);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/account');
    expect(setCookies(response).get('__Host-agentauth-session')).toBe(`__Host-agentauth-session=${session}; Path=/; Secure; HttpOnly; SameSite=Lax`);
    const page = await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: `__Host-agentauth-session=${session}` } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Signed in as <strong id="who">ada</strong>');
    const records = await auditOf(t);
    expect(records.find((r) => r.event === 'user_session.created')).toMatchObject({ actor: `user:${id}`, details: { user_id: id, second_factor: false } });
    expect(JSON.stringify(records)).not.toContain(PASSWORD);
    expect(JSON.stringify(records)).not.toContain(session);
  });

  it('refuses a wrong password and an unknown email with the same answer, audited with the reason', async () => {
    await createPerson(t, 'wrong@example.com', []);
    const wrong = await postLogin(t, 'wrong@example.com', 'not the password at all');
    const unknown = await postLogin(t, 'nobody@example.com', PASSWORD);
    for (const attempt of [wrong, unknown]) {
      expect(attempt.response.statusCode).toBe(401);
      expect(attempt.session).toBeUndefined();
      expect(attempt.response.body).toContain('The email, password or code is not right, or this account cannot sign in now.');
    }
    const reasons = (await auditOf(t)).filter((r) => r.event === 'user_login.failed').map((r) => r.reason);
    expect(reasons).toEqual(expect.arrayContaining(['wrong password', 'unknown email or malformed input']));
    expect(JSON.stringify(await auditOf(t))).not.toContain('not the password at all');
  });

  it('locks an account after the configured failures, even against the right password, until the lockout ends', async () => {
    const id = await createPerson(t, 'locked@example.com', []);
    for (let i = 0; i < 3; i += 1) expect((await postLogin(t, 'locked@example.com', `wrong password ${i}`)).response.statusCode).toBe(401);
    expect((await auditOf(t)).filter((r) => r.event === 'user.locked' && r.details['user_id'] === id)).toHaveLength(1);
    const whileLocked = await postLogin(t, 'locked@example.com', PASSWORD);
    expect(whileLocked.response.statusCode).toBe(401);
    expect((await auditOf(t)).at(-1)).toMatchObject({ event: 'user_login.failed', reason: 'account locked' });
    t.clock.advance(600_000);
    expect((await postLogin(t, 'locked@example.com', PASSWORD)).response.statusCode).toBe(303);
  });

  it('refuses a suspended person, and suspending ends the sessions they hold', async () => {
    const id = await createPerson(t, 'suspended@example.com', ['auditor']);
    const session = await signIn(t, 'suspended@example.com');
    const cookie = { cookie: `__Host-agentauth-session=${session}` };
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/agents', headers: cookie })).statusCode).toBe(200);
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/agents', headers: cookie })).statusCode).toBe(401);
    expect((await t.server.app.inject({ method: 'GET', url: '/account', headers: cookie })).statusCode).toBe(303);
    expect((await postLogin(t, 'suspended@example.com', PASSWORD)).response.statusCode).toBe(401);
    expect((await auditOf(t)).at(-1)).toMatchObject({ event: 'user_login.failed', reason: 'account suspended' });
  });

  it('asks for TOTP once enrolled; refuses a wrong code and a code already used; each success is a new session id', async () => {
    await createPerson(t, 'totp@example.com', []);
    const first = await signIn(t, 'totp@example.com');
    const secret = await enrolTotp(t, first);
    t.clock.advance(30_000);

    const stage = await postLogin(t, 'totp@example.com', PASSWORD);
    expect(stage.response.headers.location).toBe('/login/totp?return_to=%2Faccount');
    const staged = stage.session ?? '';
    // The second-factor stage is not a session: neither the pages nor the admin API take it.
    expect((await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: `__Host-agentauth-session=${staged}` } })).statusCode).toBe(303);
    const wrong = await postTotp(t, staged, codeAt(secret, t.clock.now(), 3));
    expect(wrong.response.statusCode).toBe(401);
    const code = codeAt(secret, t.clock.now());
    const right = await postTotp(t, staged, code);
    expect(right.response.statusCode).toBe(303);
    expect(right.session).not.toBe(staged);
    // The stage was spent by that success: presenting it again, token and all, signs no one in.
    const replay = await postTotp(t, staged, codeAt(secret, t.clock.now(), 1), right.csrf);
    expect(replay.response.statusCode).toBe(401);
    expect(replay.session).toBeUndefined();

    // The same code again, through a fresh password step: refused (RFC 6238 §5.2).
    const again = await postLogin(t, 'totp@example.com', PASSWORD);
    const reused = await postTotp(t, again.session ?? '', code);
    expect(reused.response.statusCode).toBe(401);
    expect((await auditOf(t)).filter((r) => r.event === 'user_login.failed').map((r) => r.reason)).toEqual(expect.arrayContaining(['wrong TOTP code', 'TOTP code already used']));
    t.clock.advance(30_000);
    expect((await postTotp(t, again.session ?? '', codeAt(secret, t.clock.now()))).response.statusCode).toBe(303);
  });

  it('refuses a form without its CSRF token or with another, and changes nothing', async () => {
    await createPerson(t, 'csrf@example.com', []);
    const form = await t.server.app.inject({ method: 'GET', url: '/login' });
    const cookie = cookieValue(setCookies(form).get('__Host-agentauth-login-csrf'));
    const body = (csrf: string | undefined) => new URLSearchParams({ ...(csrf === undefined ? {} : { csrf }), email: 'csrf@example.com', password: PASSWORD }).toString();
    for (const [headers, csrf] of [
      [FORM, field(form.body, 'csrf')],
      [{ ...FORM, cookie: `__Host-agentauth-login-csrf=${cookie}` }, undefined],
      [{ ...FORM, cookie: `__Host-agentauth-login-csrf=${cookie}` }, `${cookie.slice(1)}x`],
    ] as const) {
      const response = await t.server.app.inject({ method: 'POST', url: '/login', headers, payload: body(csrf) });
      expect(response.statusCode).toBe(403);
      expect(setCookies(response).has('__Host-agentauth-session')).toBe(false);
    }

    const session = await signIn(t, 'csrf@example.com');
    const sessionCookie = `__Host-agentauth-session=${session}`;
    const logout = await t.server.app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie: sessionCookie }, payload: 'csrf=forged' });
    expect(logout.statusCode).toBe(403);
    expect((await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: sessionCookie } })).statusCode).toBe(200);
  });

  it('refuses a repeated form field, a body that is not a form, and one too large, before any check', async () => {
    const form = await t.server.app.inject({ method: 'GET', url: '/login' });
    const csrf = cookieValue(setCookies(form).get('__Host-agentauth-login-csrf'));
    const headers = { ...FORM, cookie: `__Host-agentauth-login-csrf=${csrf}` };
    const repeated = await t.server.app.inject({ method: 'POST', url: '/login', headers, payload: `csrf=${csrf}&email=a%40example.com&password=one&password=two` });
    expect(repeated.statusCode).toBe(400);
    const json = await t.server.app.inject({ method: 'POST', url: '/login', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify({ csrf, email: 'a@example.com', password: PASSWORD }) });
    expect(json.statusCode).toBe(415);
    const large = await t.server.app.inject({ method: 'POST', url: '/login', headers, payload: `csrf=${csrf}&email=a%40example.com&password=${'x'.repeat(9000)}` });
    expect(large.statusCode).toBe(413);
    for (const response of [repeated, json, large]) expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('redirects only to same-origin relative paths after sign-in', async () => {
    await createPerson(t, 'redirect@example.com', []);
    for (const [returnTo, location] of [
      ['//evil.example/x', '/account'],
      ['https://evil.example/', '/account'],
      ['/\\evil.example', '/account'],
      ['/admin/v1/agents', '/admin/v1/agents'],
    ]) {
      const { response } = await postLogin(t, 'redirect@example.com', PASSWORD, { return_to: returnTo ?? '' });
      expect(response.headers.location).toBe(location);
    }
    const page = await t.server.app.inject({ method: 'GET', url: '/login?return_to=%2F%2Fevil.example' });
    expect(field(page.body, 'return_to')).toBe('/account');
  });

  it('signs out: the session ends on the server, the cookie is cleared, and it is audited', async () => {
    const id = await createPerson(t, 'bye@example.com', []);
    const session = await signIn(t, 'bye@example.com');
    const cookie = `__Host-agentauth-session=${session}`;
    const response = await t.server.app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie }, payload: `csrf=${await csrfOf(t, session)}` });
    expect(response.statusCode).toBe(303);
    expect(setCookies(response).get('__Host-agentauth-session')).toBe('__Host-agentauth-session=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0');
    expect((await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie } })).statusCode).toBe(303);
    expect((await auditOf(t)).at(-1)).toMatchObject({ event: 'user_session.ended', actor: `user:${id}` });
  });

  it('ends a session after the idle timeout and after the absolute timeout', async () => {
    await createPerson(t, 'idle@example.com', []);
    const idle = await signIn(t, 'idle@example.com');
    t.clock.advance(1800_000);
    expect((await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: `__Host-agentauth-session=${idle}` } })).statusCode).toBe(303);

    const busy = await signIn(t, 'idle@example.com');
    for (let minutes = 0; minutes < 12 * 60; minutes += 20) {
      t.clock.advance(20 * 60_000);
      const status = (await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: `__Host-agentauth-session=${busy}` } })).statusCode;
      expect(status).toBe(minutes + 20 < 12 * 60 ? 200 : 303);
    }
  });
});

describe('sign-in pages: the per-address limit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_RATE_LIMIT_LOGIN_FAILURES: '3' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once an address reaches its limit, whatever accounts it names', async () => {
    await createPerson(t, 'target@example.com', []);
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await postLogin(t, `guess${i}@example.com`, 'not the password')).response.statusCode);
    // The failure that reaches the limit is answered as itself; every later one is 429.
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await postLogin(t, 'target@example.com', PASSWORD);
    expect(limited.response.statusCode).toBe(429);
    expect(Number(limited.response.headers['retry-after'])).toBeGreaterThan(0);
    expect((await auditOf(t)).filter((r) => r.event === 'rate_limit.exceeded').map((r) => r.details['limit'])).toEqual(['login_address']);
  });
});
