import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type Sessions } from '../people/sessions.js';
import type { UserRole } from '../store/ports/user-store.js';

/** The header a signed-in person's unsafe admin requests carry the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** A person signed in with a session cookie. */
export interface PersonPrincipal {
  ok: true;
  /** `user:<user id>` (the audit record's actor). */
  actor: string;
  agentId: null;
  userId: string;
  /** What the person may do (`people/admin-roles.ts`). */
  roles: readonly UserRole[];
}

/** A refused session: 401 (no live session) or 403 (a live session, without the CSRF token an unsafe request needs). */
export interface PersonRefusal {
  ok: false;
  status: 401 | 403;
  /** Private reason for the audit record. */
  reason: string;
  userId: string | null;
}

/** The request's parts a session check reads. */
export interface PersonCredentials {
  cookie: string | undefined;
  csrf: string | undefined;
  method: string;
}

/** Checks a session cookie; undefined when the request carries none (another credential may apply). */
export type PersonAuthenticator = (request: PersonCredentials) => Promise<PersonPrincipal | PersonRefusal | undefined>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * People on the admin API (docs/people.md, "Roles"): a live signed-in session (`people/sessions.ts`)
 * authenticates; an unsafe method must also carry the session's CSRF token in `X-CSRF-Token`
 * (OWASP CSRF Prevention Cheat Sheet, the synchronizer token in a custom header), compared in
 * constant time. The role check is the admin app's, per route. Does NOT look at `Authorization`:
 * the admin app tries a bearer credential first.
 */
export function createPersonAuthenticator(sessions: Pick<Sessions, 'resolve' | 'checkCsrf'>): PersonAuthenticator {
  return async ({ cookie, csrf, method }) => {
    const id = readCookie(cookie, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return { ok: false, status: 401, reason: 'session unknown, ended or timed out', userId: null };
    const { user } = live;
    if (!SAFE_METHODS.has(method.toUpperCase()) && !sessions.checkCsrf(id, csrf)) {
      return { ok: false, status: 403, reason: `${csrf === undefined ? 'no' : 'wrong'} CSRF token on an unsafe request`, userId: user.id };
    }
    return { ok: true, actor: `user:${user.id}`, agentId: null, userId: user.id, roles: user.roles };
  };
}
