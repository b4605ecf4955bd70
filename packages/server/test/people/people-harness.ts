import type { LightMyRequestResponse } from 'fastify';
import { hotp, totpStep } from '../../src/people/totp.js';
import type { AuditRecord } from '../../src/store/records.js';
import { BOOTSTRAP_TOKEN, type TestServer } from '../support/test-server.js';
import { readChain } from '../store/fixtures.js';

export const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
export const PASSWORD = 'correct horse battery staple';

/** Cookies a browser would keep from a response: name -> the whole `Set-Cookie` line. */
export function setCookies(response: LightMyRequestResponse): Map<string, string> {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), line]));
}

/** The value of a `Set-Cookie` line. */
export function cookieValue(line: string | undefined): string {
  if (line === undefined) throw new Error('no such cookie was set');
  return line.slice(line.indexOf('=') + 1).split(';')[0] ?? '';
}

/** A hidden field's value in a page. */
export function field(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (match === null) throw new Error(`no field ${name}`);
  return match[1] ?? '';
}

/** RFC 4648 base32 (no padding) to bytes: the test reads the secret the enrolment page shows. */
export function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The current code of a TOTP secret at the server's frozen time. */
export function codeAt(secret: Buffer, nowMs: number, offsetSteps = 0): string {
  return hotp(secret, totpStep(nowMs) + offsetSteps);
}

/** Creates a person through the admin API with the bootstrap token; returns their id. */
export async function createPerson(t: TestServer, email: string, roles: string[], password: string = PASSWORD): Promise<string> {
  const response = await t.server.app.inject({ method: 'POST', url: '/admin/v1/users', headers: ADMIN, payload: { email, name: email.split('@')[0], roles, password } });
  if (response.statusCode !== 201) throw new Error(`createPerson: ${response.statusCode} ${response.body}`);
  return (response.json() as { id: string }).id;
}

/** What a sign-in attempt answered, and the cookies it set. */
export interface Attempt {
  response: LightMyRequestResponse;
  session: string | undefined;
}

/** GET /login then POST it, as a browser does (the double-submit cookie included). */
export async function postLogin(t: TestServer, email: string, password: string, extra: Record<string, string> = {}): Promise<Attempt> {
  const form = await t.server.app.inject({ method: 'GET', url: '/login' });
  const csrf = cookieValue(setCookies(form).get('__Host-agentauth-login-csrf'));
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: `__Host-agentauth-login-csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: field(form.body, 'csrf'), return_to: '/account', email, password, ...extra }).toString(),
  });
  const line = setCookies(response).get('__Host-agentauth-session');
  return { response, session: line === undefined ? undefined : cookieValue(line) };
}

/** POST /login/totp with the second-factor stage's cookie. */
export async function postTotp(t: TestServer, stage: string, code: string, csrf?: string): Promise<Attempt & { csrf: string }> {
  const page = csrf === undefined ? await t.server.app.inject({ method: 'GET', url: '/login/totp', headers: { cookie: `__Host-agentauth-session=${stage}` } }) : undefined;
  const token = csrf ?? field(page?.body ?? '', 'csrf');
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/login/totp',
    headers: { cookie: `__Host-agentauth-session=${stage}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: token, return_to: '/account', code }).toString(),
  });
  const line = setCookies(response).get('__Host-agentauth-session');
  return { response, session: line === undefined ? undefined : cookieValue(line), csrf: token };
}

/** Signs a person in with a password alone; returns the session id. */
export async function signIn(t: TestServer, email: string, password: string = PASSWORD): Promise<string> {
  const { response, session } = await postLogin(t, email, password);
  if (response.statusCode !== 303 || session === undefined) throw new Error(`signIn: ${response.statusCode}`);
  return session;
}

/** The signed-in page's CSRF token (its `csrf-token` meta element). */
export async function csrfOf(t: TestServer, session: string): Promise<string> {
  const page = await t.server.app.inject({ method: 'GET', url: '/account', headers: { cookie: `__Host-agentauth-session=${session}` } });
  const match = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body);
  if (match === null) throw new Error(`no CSRF token on /account (${page.statusCode})`);
  return match[1] ?? '';
}

/** Enrols TOTP for a signed-in person through the pages; returns the secret. */
export async function enrolTotp(t: TestServer, session: string): Promise<Buffer> {
  const cookie = `__Host-agentauth-session=${session}`;
  const page = await t.server.app.inject({ method: 'GET', url: '/account/totp', headers: { cookie } });
  const secret = base32Decode(/<code id="secret">([A-Z2-7]+)<\/code>/.exec(page.body)?.[1] ?? '');
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/account/totp',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), code: codeAt(secret, t.clock.now()) }).toString(),
  });
  if (response.headers.location !== '/account?totp=on') throw new Error(`enrolTotp: ${response.statusCode}`);
  return secret;
}

/** Every audit record, oldest first. */
export function auditOf(t: TestServer): Promise<AuditRecord[]> {
  return readChain(t.server.deps.store);
}
