import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { AgentAuthServer } from '../../src/main/create-server.js';
import { BOOTSTRAP_TOKEN, form, FORM } from '../support/test-server.js';

/** Small limits, so a test reaches them in a few requests; the window is the default minute. */
export const LIMITS_ENV = {
  AGENTAUTH_RATE_LIMIT_WINDOW: '60',
  AGENTAUTH_RATE_LIMIT_ADDRESS_FAILURES: '8',
  AGENTAUTH_RATE_LIMIT_CLIENT_FAILURES: '3',
  AGENTAUTH_RATE_LIMIT_ADMIN_FAILURES: '3',
} as const;

export const WINDOW_MS = 60_000;

let next = 0;
/** A source address no other test uses (documentation range TEST-NET-3 and beyond). */
export function freshAddress(): string {
  next += 1;
  return `203.0.${Math.floor(next / 250)}.${(next % 250) + 1}`;
}

/** An agent authenticating with a client secret (client_secret_basic), created over the admin API. */
export async function secretAgent(server: AgentAuthServer, name = 'legacy'): Promise<{ id: string; secret: string }> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/admin/v1/agents',
    headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
    payload: { name, owner: 'team-test', scopes: ['orders:read', 'agentauth:introspect'], resources: ['https://api.example.com'], token_endpoint_auth_method: 'client_secret_basic' },
  });
  expect(response.statusCode).toBe(201);
  const body = response.json() as { agent: { id: string }; client_secret: string };
  return { id: body.agent.id, secret: body.client_secret };
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** POST a form to one of the OAuth endpoints with Basic credentials, from `remoteAddress`. */
export function oauthPost(
  app: { inject(options: InjectOptions): Promise<LightMyRequestResponse> },
  url: string,
  remoteAddress: string,
  credentials: { id: string; secret: string },
  params: Record<string, string> = url === '/token' ? { grant_type: 'client_credentials' } : { token: 'not-a-token' },
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, remoteAddress, headers: { ...FORM, authorization: basic(credentials.id, credentials.secret) }, payload: form(params) });
}

/** The 429 of an OAuth endpoint: RFC 6749 §5.2 JSON, `temporarily_unavailable`, `Retry-After`. */
export function expectOAuthLimited(response: LightMyRequestResponse, retryAfter?: number): void {
  expect(response.statusCode, response.body).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
  const seconds = Number(response.headers['retry-after']);
  expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= WINDOW_MS / 1000).toBe(true);
  if (retryAfter !== undefined) expect(seconds).toBe(retryAfter);
  expect(response.headers['www-authenticate']).toBeUndefined();
}
