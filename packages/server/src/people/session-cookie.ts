import { SESSION_COOKIE } from './sessions.js';

/** Longest `Cookie` header read (RFC 6265bis §5.6 asks browsers to send at least 4096 bytes per cookie; we need two small ones). */
const MAX_COOKIE_HEADER = 8192;

/**
 * The value of cookie `name` in a `Cookie` request header (RFC 6265bis §5.7.4: `name=value` pairs
 * separated by `; `), or undefined. A name sent twice is ambiguous (another path or a sibling
 * host may have set one), so it counts as absent: fail closed.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > MAX_COOKIE_HEADER) return undefined;
  let found: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = pair.slice(eq + 1).trim();
  }
  return found;
}

/**
 * A `Set-Cookie` value for a `__Host-` cookie (RFC 6265bis §4.1.3.2: `Secure`, `Path=/`, no
 * `Domain`), `HttpOnly` so no script reads it, `SameSite=Lax` so a cross-site POST does not carry
 * it (§8.8.2). Without `maxAgeSeconds` it lasts as long as the browser's session; 0 deletes it.
 */
export function hostCookie(name: string, value: string, maxAgeSeconds?: number): string {
  if (!name.startsWith('__Host-')) throw new TypeError('hostCookie: the name must carry the __Host- prefix');
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Lax${maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

/** The session cookie set to `id`. */
export function sessionCookie(id: string): string {
  return hostCookie(SESSION_COOKIE, id);
}

/** The session cookie, deleted. */
export function clearedSessionCookie(): string {
  return hostCookie(SESSION_COOKIE, '', 0);
}
