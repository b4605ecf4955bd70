import type { LightMyRequestResponse } from 'fastify';
import type { TestServer } from '../support/test-server.js';
import { cookieValue, field, setCookies } from './people-harness.js';
import type { SoftwareAuthenticator, SoftCredential, Tamper } from './software-authenticator.js';

/** The issuer of the passkey tests: `localhost`, a name a browser accepts as an RP ID. */
export const PASSKEY_ISSUER = 'http://localhost:8080';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** POSTs a form with cookies. */
export function postForm(t: TestServer, url: string, cookie: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  return t.server.app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: new URLSearchParams(fields).toString() });
}

/** A signed-in person's passkeys page: its CSRF token and the cookie to send. */
export async function passkeysPage(t: TestServer, session: string): Promise<{ cookie: string; csrf: string; body: string }> {
  const cookie = `__Host-agentauth-session=${session}`;
  const page = await t.server.app.inject({ method: 'GET', url: '/account/passkeys', headers: { cookie } });
  if (page.statusCode !== 200) throw new Error(`passkeysPage: ${page.statusCode}`);
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)?.[1];
  if (csrf === undefined) throw new Error('passkeysPage: no csrf-token meta element');
  return { cookie, csrf, body: page.body };
}

/** Asks for creation options and answers them with `authenticator`; returns what `POST /account/passkeys` said. */
export async function addPasskey(t: TestServer, session: string, authenticator: SoftwareAuthenticator, name = 'Laptop', tamper: Tamper = {}): Promise<{ response: LightMyRequestResponse; credential: SoftCredential; options: CreationOptions }> {
  const { cookie, csrf } = await passkeysPage(t, session);
  const optionsResponse = await postForm(t, '/account/passkeys/options', cookie, { csrf });
  if (optionsResponse.statusCode !== 200) throw new Error(`options: ${optionsResponse.statusCode}`);
  const options = optionsResponse.json() as CreationOptions;
  const { json, credential } = authenticator.create(options, tamper);
  const response = await postForm(t, '/account/passkeys', cookie, { csrf, name, response: json });
  return { response, credential, options };
}

/** The creation options the server sends (the parts a test reads). */
export interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string };
  authenticatorSelection: Record<string, unknown>;
  excludeCredentials: { id: string }[];
  attestation: string;
}

/** A browser on the sign-in page: its double-submit cookie and token. */
export async function signInForm(t: TestServer): Promise<{ cookie: string; csrf: string }> {
  const form = await t.server.app.inject({ method: 'GET', url: '/login' });
  const csrf = cookieValue(setCookies(form).get('__Host-agentauth-login-csrf'));
  return { cookie: `__Host-agentauth-login-csrf=${csrf}`, csrf: field(form.body, 'csrf') };
}

/** Request options for a passkey sign-in in `browser`. */
export async function signInOptions(t: TestServer, browser: { cookie: string; csrf: string }): Promise<{ challenge: string; rpId: string; userVerification: string; allowCredentials: unknown[] }> {
  const response = await postForm(t, '/login/passkey/options', browser.cookie, { csrf: browser.csrf });
  if (response.statusCode !== 200) throw new Error(`sign-in options: ${response.statusCode}`);
  return response.json();
}

/** A whole passkey sign-in; `session` when one was set. */
export async function passkeySignIn(t: TestServer, authenticator: SoftwareAuthenticator, credential: SoftCredential, tamper: Tamper = {}): Promise<{ response: LightMyRequestResponse; session: string | undefined; assertion: string; browser: { cookie: string; csrf: string } }> {
  const browser = await signInForm(t);
  const options = await signInOptions(t, browser);
  const assertion = authenticator.get(credential, options, tamper);
  const response = await postForm(t, '/login/passkey', browser.cookie, { csrf: browser.csrf, return_to: '/account', response: assertion });
  const line = setCookies(response).get('__Host-agentauth-session');
  return { response, session: line === undefined ? undefined : cookieValue(line), assertion, browser };
}
