import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/** Where the console sends a person who is not signed in: the sign-in page, then back here. */
export function signInUrl(): string {
  return `/login?return_to=${encodeURIComponent(window.location.pathname + window.location.search)}`;
}

let csrfToken = '';

/** Set once the session is read (`session.ts`): every unsafe admin API call carries it. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Unsafe calls carry the session's CSRF token in `X-CSRF-Token`, which the admin API checks
 * against the session cookie; a 401 (the session ended or timed out) sends the person to sign in.
 */
const session: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method)) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) window.location.assign(signInUrl());
    return response;
  },
};

/**
 * The admin API, typed by the OpenAPI document the server publishes (`schema.d.ts`, generated and
 * kept current by the console's api-types test). Same origin, the session cookie goes along;
 * nothing is kept in `localStorage`.
 */
export const api = createClient<paths>({ baseUrl: '/admin/v1', credentials: 'same-origin' });
api.use(session);

/** The admin API's problem document (RFC 9457) as one line for a person to read. */
export function problemText(error: unknown, fallback = 'The request failed.'): string {
  if (typeof error === 'object' && error !== null) {
    const { detail, title, code } = error as { detail?: unknown; title?: unknown; code?: unknown };
    if (typeof detail === 'string' && detail.length > 0) return typeof code === 'string' ? `${detail} (${code})` : detail;
    if (typeof title === 'string') return title;
  }
  return fallback;
}
