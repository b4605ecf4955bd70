import type { Principal } from '../principal.js';

/**
 * The headers an answer to a key-authenticated request carries during a migration window
 * (docs/migration.md): `Deprecation` (RFC 9745 §2) and `Sunset` (RFC 8594 §3), as the principal
 * names them; none for a request that an access token authenticated. Every adapter sends these, so
 * the caller's own logs show the end coming whichever framework the service runs.
 */
export function migrationHeaders(principal: Principal | null | undefined): Readonly<Record<string, string>> {
  return principal?.apiKey?.headers ?? {};
}

/**
 * `response` with the {@link migrationHeaders} of `principal` set. A Web `Response` whose headers
 * are immutable (one from `fetch()` or `Response.redirect()`) is copied first, so the headers are
 * never silently dropped. Does NOT touch a response when no key authenticated the request.
 */
export function withMigrationHeaders(response: Response, principal: Principal | null | undefined): Response {
  const headers = Object.entries(migrationHeaders(principal));
  if (headers.length === 0) return response;
  let target = response;
  try {
    for (const [name, value] of headers) target.headers.set(name, value);
  } catch {
    target = new Response(response.body, response);
    for (const [name, value] of headers) target.headers.set(name, value);
  }
  return target;
}
