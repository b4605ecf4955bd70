import { GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN, type AccessTokenClaims } from '@agentauth/protocol';
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import { ASSERTION_TYPE, clientAssertion, createAgent, form, FORM, type TestAgent, type TestServer } from '../../support/test-server.js';

export const API = 'https://api.example.com';
export const CRM = 'https://crm.example.com';
export const EXCHANGE = { grant_types: [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE] };

/** Registers an agent allowed client_credentials and token exchange. */
export function exchangingAgent(t: TestServer, name: string, body: Record<string, unknown> = {}): Promise<TestAgent> {
  return createAgent(t.server, { name, ...EXCHANGE, ...body });
}

/** POST /token authenticated as `as` (private_key_jwt), or unauthenticated when `as` is null. */
export async function tokenRequest(t: TestServer, as: TestAgent | null, params: Record<string, string | string[]>) {
  const auth: Record<string, string> = as === null ? {} : { client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(as, t.clock.now()) };
  return t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ ...params, ...auth }) });
}

/** A client_credentials access token of `as`. */
export async function ownToken(t: TestServer, as: TestAgent, params: Record<string, string | string[]> = {}): Promise<string> {
  const response = await tokenRequest(t, as, { grant_type: 'client_credentials', resource: API, ...params });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().access_token as string;
}

/** A token exchange request by `as` with `subject` as the subject token (access_token type). */
export function exchange(t: TestServer, as: TestAgent | null, subject: string, params: Record<string, string | string[]> = {}) {
  return tokenRequest(t, as, { grant_type: GRANT_TOKEN_EXCHANGE, subject_token: subject, subject_token_type: TOKEN_TYPE_ACCESS_TOKEN, ...params });
}

/** Exchanges and expects success; returns the new token. */
export async function exchanged(t: TestServer, as: TestAgent, subject: string, params: Record<string, string | string[]> = {}): Promise<string> {
  const response = await exchange(t, as, subject, params);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().access_token as string;
}

/** Delegation with the actor's own token as `actor_token`. */
export async function delegated(t: TestServer, actor: TestAgent, subject: string, params: Record<string, string | string[]> = {}): Promise<string> {
  return exchanged(t, actor, subject, { actor_token: await ownToken(t, actor), actor_token_type: TOKEN_TYPE_ACCESS_TOKEN, ...params });
}

export function claimsOf(token: string): AccessTokenClaims {
  return decodeJwt(token) as unknown as AccessTokenClaims;
}

/** Introspection by an agent holding `agentauth:introspect`. */
export async function introspect(t: TestServer, inspector: TestAgent, token: string): Promise<Record<string, unknown>> {
  const auth = { client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(inspector, t.clock.now()) };
  const response = await t.server.app.inject({ method: 'POST', url: '/introspect', headers: FORM, payload: form({ token, ...auth }) });
  expect(response.statusCode).toBe(200);
  return response.json() as Record<string, unknown>;
}

/** Expects an RFC 6749 §5.2 error answer with this code (and the fixed description, never a detail). */
export function expectError(response: { statusCode: number; json(): unknown }, code: string, status = 400): void {
  expect(response.statusCode).toBe(status);
  const body = response.json() as { error: string; error_description: string };
  expect(body.error).toBe(code);
  expect(body.error_description).not.toMatch(/agt_|subject=|actor=/);
}

/** RFC 7009 revocation by the token's own client. */
export async function revoke(t: TestServer, as: TestAgent, token: string): Promise<void> {
  const auth = { client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(as, t.clock.now()) };
  const response = await t.server.app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: form({ token, ...auth }) });
  expect(response.statusCode).toBe(200);
}
