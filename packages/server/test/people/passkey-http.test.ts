import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { addPasskey, passkeySignIn, passkeysPage, PASSKEY_ISSUER, postForm, signInForm, signInOptions } from './passkey-harness.js';
import { sessionIdHash } from '../../src/people/sessions.js';
import { ADMIN, auditOf, createPerson, signIn } from './people-harness.js';
import { SoftwareAuthenticator } from './software-authenticator.js';

const REFUSED = 'The email, password or code is not right, or this account cannot sign in now.';

describe('passkeys: registration and sign-in over HTTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_ISSUER: PASSKEY_ISSUER, AGENTAUTH_LOGIN_LOCKOUT_FAILURES: '3', AGENTAUTH_RATE_LIMIT_LOGIN_FAILURES: '1000' });
  });
  afterAll(() => t.close());

  const failures = async () => (await auditOf(t)).filter((r) => r.event === 'user_login.failed');

  it('registers a discoverable, user-verified passkey from the account page, audited, and signs in with it alone', async () => {
    const id = await createPerson(t, 'ada@example.com', ['admin']);
    const session = await signIn(t, 'ada@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const { response, credential, options } = await addPasskey(t, session, authenticator, 'Work laptop');
    expect(options).toMatchObject({ rp: { id: 'localhost' }, user: { id: Buffer.from(id).toString('base64url'), name: 'ada@example.com' }, attestation: 'none', authenticatorSelection: { residentKey: 'required', userVerification: 'required' } });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/account/passkeys?done=added');
    const page = await passkeysPage(t, session);
    expect(page.body).toContain('<td class="name">Work laptop</td>');
    expect(page.body).toContain(`name="credential_id" value="${credential.id}"`);

    const signedIn = await passkeySignIn(t, authenticator, credential);
    expect(signedIn.response.statusCode).toBe(303);
    expect(signedIn.response.headers.location).toBe('/account');
    const account = await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: `__Host-agentauth-session=${signedIn.session}` } });
    expect(account.body).toContain('Signed in as <strong id="who">ada</strong>');
    const records = await auditOf(t);
    expect(records.find((r) => r.event === 'passkey.registered')).toMatchObject({ actor: `user:${id}`, details: { user_id: id, credential_id: credential.id, name: 'Work laptop' } });
    expect(records.filter((r) => r.event === 'user_session.created').at(-1)).toMatchObject({ actor: `user:${id}`, details: { user_id: id, method: 'passkey', credential_id: credential.id } });
    expect(JSON.stringify(records)).not.toContain(signedIn.assertion.slice(0, 40));
  });

  it('serves the script from our origin and allows only our own scripts on the pages that use it', async () => {
    const script = await t.server.app.inject({ method: 'GET', url: '/login/passkey.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('navigator.credentials.get');
    const login = await t.server.app.inject({ method: 'GET', url: '/login' });
    expect(login.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(login.body).toContain('<script type="module" src="/login/passkey.js"></script>');
    expect(login.body.match(/<script/g)).toHaveLength(1);
    expect(login.body).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it('refuses a registration from another origin, for another RP ID, without user verification, or with a challenge used or expired', async () => {
    await createPerson(t, 'reg@example.com', []);
    const session = await signIn(t, 'reg@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    for (const tamper of [{ origin: 'http://evil.example' }, { rpId: 'evil.example' }, { userVerified: false }, { type: 'webauthn.get' }]) {
      const { response } = await addPasskey(t, session, authenticator, 'Bad', tamper);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('The passkey could not be added.');
    }
    // A challenge is spent by its first use, and gone after five minutes.
    const { cookie, csrf } = await passkeysPage(t, session);
    const options = (await postForm(t, '/account/passkeys/options', cookie, { csrf })).json();
    const { json } = authenticator.create(options);
    expect((await postForm(t, '/account/passkeys', cookie, { csrf, name: 'One', response: json })).statusCode).toBe(303);
    expect((await postForm(t, '/account/passkeys', cookie, { csrf, name: 'Again', response: json })).statusCode).toBe(400);
    const late = (await postForm(t, '/account/passkeys/options', cookie, { csrf })).json();
    t.clock.advance(5 * 60_000);
    expect((await postForm(t, '/account/passkeys', cookie, { csrf, name: 'Late', response: authenticator.create(late).json })).statusCode).toBe(400);
    const reasons = (await auditOf(t)).filter((r) => r.event === 'passkey.registration_failed').map((r) => r.reason ?? '');
    expect(reasons.some((r) => /origin/i.test(r))).toBe(true);
    expect(reasons.some((r) => /RP ID/i.test(r))).toBe(true);
    expect(reasons.some((r) => /user could not be verified/i.test(r))).toBe(true);
    expect(reasons.filter((r) => r.startsWith('challenge unknown'))).toHaveLength(2);
    expect((await passkeysPage(t, session)).body.match(/class="name"/g)).toHaveLength(1);
  });

  it('refuses a challenge drawn by another person\u2019s session, a credential id someone already registered, and removing another\u2019s passkey', async () => {
    await createPerson(t, 'one@example.com', []);
    const twoId = await createPerson(t, 'two@example.com', []);
    const one = await signIn(t, 'one@example.com');
    const two = await signIn(t, 'two@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const first = await passkeysPage(t, one);
    const options = (await postForm(t, '/account/passkeys/options', first.cookie, { csrf: first.csrf })).json();
    const { json } = authenticator.create(options);
    const second = await passkeysPage(t, two);
    expect((await postForm(t, '/account/passkeys', second.cookie, { csrf: second.csrf, name: 'Stolen', response: json })).statusCode).toBe(400);
    expect((await auditOf(t)).filter((r) => r.event === 'passkey.registration_failed').at(-1)).toMatchObject({ actor: `user:${twoId}`, reason: expect.stringMatching(/^challenge unknown, used, expired or not this session/) });

    const registered = await addPasskey(t, one, authenticator);
    expect(registered.response.statusCode).toBe(303);
    const taken = await addPasskey(t, two, authenticator, 'Copy', { credentialId: registered.credential.id });
    expect(taken.response.statusCode).toBe(400);
    expect((await auditOf(t)).filter((r) => r.event === 'passkey.registration_failed').at(-1)).toMatchObject({ reason: 'credential id already registered', details: { user_id: twoId, credential_id: registered.credential.id } });

    expect((await postForm(t, '/account/passkeys/remove', second.cookie, { csrf: second.csrf, credential_id: registered.credential.id })).statusCode).toBe(404);
    expect((await passkeysPage(t, one)).body).toContain(registered.credential.id);
    expect((await passkeysPage(t, two)).body).toContain('You have no passkeys yet.');
  });

  it('removes a passkey, audited, and it no longer signs in', async () => {
    const id = await createPerson(t, 'rm@example.com', []);
    const session = await signIn(t, 'rm@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const { credential } = await addPasskey(t, session, authenticator);
    const { cookie, csrf } = await passkeysPage(t, session);
    const removed = await postForm(t, '/account/passkeys/remove', cookie, { csrf, credential_id: credential.id });
    expect(removed.headers.location).toBe('/account/passkeys?done=removed');
    expect((await auditOf(t)).find((r) => r.event === 'passkey.removed')).toMatchObject({ actor: `user:${id}`, details: { user_id: id, credential_id: credential.id } });
    const attempt = await passkeySignIn(t, authenticator, credential);
    expect(attempt.response.statusCode).toBe(401);
    expect((await failures()).at(-1)).toMatchObject({ reason: 'passkey: unknown credential', details: { credential_id: credential.id } });
  });

  it('refuses sign-in from another origin, for another RP ID, without user verification, with another user handle, or an unknown credential, each audited with the credential id', async () => {
    const id = await createPerson(t, 'bad@example.com', []);
    const session = await signIn(t, 'bad@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const { credential } = await addPasskey(t, session, authenticator);
    const unknown = authenticator.create({ challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'dXNyX3g' } }).credential;
    const cases: [Parameters<typeof passkeySignIn>[3], typeof credential, RegExp][] = [
      [{ origin: 'https://evil.example' }, credential, /origin/i],
      [{ rpId: 'evil.example' }, credential, /RP ID/i],
      [{ userVerified: false }, credential, /user could not be verified/i],
      [{ userHandle: Buffer.from('usr_someoneelse').toString('base64url') }, credential, /user handle/],
      [{}, unknown, /unknown credential/],
    ];
    for (const [tamper, which, reason] of cases) {
      const attempt = await passkeySignIn(t, authenticator, which, tamper);
      expect(attempt.response.statusCode).toBe(401);
      expect(attempt.session).toBeUndefined();
      expect(attempt.response.body).toContain(REFUSED);
      expect((await failures()).at(-1)).toMatchObject({ reason: expect.stringMatching(reason), details: { method: 'passkey', credential_id: which.id } });
      // Five refusals would lock the account (three allowed here): clear the count between cases.
      await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${id}/resume`, headers: ADMIN });
    }
  });

  it('refuses a replayed assertion, an expired challenge, and a challenge drawn in another browser', async () => {
    await createPerson(t, 'replay@example.com', []);
    const session = await signIn(t, 'replay@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const { credential } = await addPasskey(t, session, authenticator);
    const first = await passkeySignIn(t, authenticator, credential);
    expect(first.response.statusCode).toBe(303);
    const replay = await postForm(t, '/login/passkey', first.browser.cookie, { csrf: first.browser.csrf, response: first.assertion });
    expect(replay.statusCode).toBe(401);
    expect((await failures()).at(-1)?.reason).toMatch(/^passkey: challenge unknown, used, expired/);

    const browser = await signInForm(t);
    const options = await signInOptions(t, browser);
    t.clock.advance(5 * 60_000);
    expect((await postForm(t, '/login/passkey', browser.cookie, { csrf: browser.csrf, response: authenticator.get(credential, options) })).statusCode).toBe(401);
    expect((await failures()).at(-1)?.reason).toMatch(/^passkey: challenge unknown, used, expired/);

    const mine = await signInForm(t);
    const theirs = await signInForm(t);
    const drawn = await signInOptions(t, theirs);
    expect((await postForm(t, '/login/passkey', mine.cookie, { csrf: mine.csrf, response: authenticator.get(credential, drawn) })).statusCode).toBe(401);
    expect((await failures()).at(-1)?.reason).toMatch(/^passkey: challenge unknown, used, expired or not this browser/);
  });

  it('refuses a signature counter that went back, audited as a possible clone; a counter of zero throughout is accepted', async () => {
    const id = await createPerson(t, 'clone@example.com', []);
    const session = await signIn(t, 'clone@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const { credential } = await addPasskey(t, session, authenticator);
    expect((await passkeySignIn(t, authenticator, credential, { counter: 7 })).response.statusCode).toBe(303);
    const cloned = await passkeySignIn(t, authenticator, credential, { counter: 7 });
    expect(cloned.response.statusCode).toBe(401);
    expect((await auditOf(t)).find((r) => r.event === 'passkey.clone_suspected')).toMatchObject({ outcome: 'failure', details: { user_id: id, credential_id: credential.id, counter: 7, stored_counter: 7 } });
    expect((await failures()).at(-1)?.reason).toBe('passkey: signature counter regressed (possible cloned authenticator)');
    expect((await passkeySignIn(t, authenticator, credential, { counter: 8 })).response.statusCode).toBe(303);

    await createPerson(t, 'synced@example.com', []);
    const synced = new SoftwareAuthenticator('http://localhost:8080', false);
    const key = (await addPasskey(t, await signIn(t, 'synced@example.com'), synced)).credential;
    expect((await passkeySignIn(t, synced, key)).response.statusCode).toBe(303);
    expect((await passkeySignIn(t, synced, key)).response.statusCode).toBe(303);
  });

  it('refuses a suspended person, and locks the account after repeated failures, even for a good passkey', async () => {
    const id = await createPerson(t, 'standing@example.com', []);
    const session = await signIn(t, 'standing@example.com');
    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const { credential } = await addPasskey(t, session, authenticator);
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
    expect((await passkeySignIn(t, authenticator, credential)).response.statusCode).toBe(401);
    expect((await failures()).at(-1)).toMatchObject({ reason: 'account suspended', details: { credential_id: credential.id } });
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${id}/resume`, headers: ADMIN })).statusCode).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await passkeySignIn(t, authenticator, credential, { origin: 'https://evil.example' })).response.statusCode).toBe(401);
    expect((await auditOf(t)).filter((r) => r.event === 'user.locked' && r.details['user_id'] === id)).toHaveLength(1);
    expect((await passkeySignIn(t, authenticator, credential)).response.statusCode).toBe(401);
    expect((await failures()).at(-1)?.reason).toBe('account locked');
  });

  it('offers passkeys to local accounts only: a person who signs in through an identity provider cannot add one', async () => {
    const made = await t.server.app.inject({ method: 'POST', url: '/admin/v1/users', headers: ADMIN, payload: { email: 'sso@example.com', name: 'SSO person' } });
    const id = (made.json() as { id: string }).id;
    // A session as upstream sign-in makes one (that flow is tested in upstream-sign-in-http.test.ts).
    const session = 'S'.repeat(43);
    await t.server.deps.store.createSession({ idHash: sessionIdHash(session), userId: id, stage: 'signed_in', createdAt: t.clock.now(), lastSeenAt: t.clock.now(), expiresAt: t.clock.now() + 3_600_000 }, []);
    const page = await passkeysPage(t, session);
    expect(page.body).toContain('Passkeys are for local accounts');
    expect(page.body).not.toContain('id="passkey-register"');
    expect((await postForm(t, '/account/passkeys/options', page.cookie, { csrf: page.csrf })).statusCode).toBe(403);
    const attempt = await postForm(t, '/account/passkeys', page.cookie, { csrf: page.csrf, name: 'Sneaky', response: '{}' });
    expect(attempt.statusCode).toBe(400);
    expect((await auditOf(t)).filter((r) => r.event === 'passkey.registration_failed').at(-1)).toMatchObject({ reason: 'not a local account', details: { user_id: id } });
  });

  it('refuses every passkey form without its CSRF token, and the account pages without a session', async () => {
    const browser = await signInForm(t);
    expect((await postForm(t, '/login/passkey/options', browser.cookie, { csrf: 'x'.repeat(43) })).statusCode).toBe(403);
    expect((await postForm(t, '/login/passkey', '', { csrf: browser.csrf, response: '{}' })).statusCode).toBe(403);
    await createPerson(t, 'csrf@example.com', []);
    const session = await signIn(t, 'csrf@example.com');
    const cookie = `__Host-agentauth-session=${session}`;
    for (const url of ['/account/passkeys/options', '/account/passkeys', '/account/passkeys/remove']) expect((await postForm(t, url, cookie, { csrf: browser.csrf })).statusCode).toBe(403);
    expect((await t.server.app.inject({ method: 'GET', url: '/account/passkeys' })).headers.location).toBe('/login?return_to=%2Faccount%2Fpasskeys');
  });
});
