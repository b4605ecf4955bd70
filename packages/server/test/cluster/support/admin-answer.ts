import { BOOTSTRAP_TOKEN } from '../../support/test-server.js';

/** The bootstrap token's headers for the admin API. */
export const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' };

/**
 * What an operator's client sees of one admin request, a read (`GET /admin/v1/agents`) or a write
 * (`POST` an agent): status, Retry-After and the problem's code.
 */
export async function adminAnswer(url: string, method: 'GET' | 'POST'): Promise<{ status: number; retryAfter: string | null; code: unknown }> {
  const response = await fetch(`${url}/admin/v1/agents`, {
    method,
    headers: ADMIN,
    ...(method === 'POST' ? { body: JSON.stringify({ name: 'while-down', owner: 'team-faults', scopes: ['orders:read'], resources: ['https://api.example.com'] }) } : {}),
  });
  const body = (await response.json()) as { code?: unknown };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), code: body.code };
}
