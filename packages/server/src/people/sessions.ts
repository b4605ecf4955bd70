import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AuditInput } from '../store/records.js';
import type { SessionRecord, SessionStage, UserRecord, UserStore } from '../store/ports/user-store.js';

/**
 * The session cookie's name. The `__Host-` prefix (RFC 6265bis §4.1.3.2) makes a browser accept it
 * only with `Secure`, `Path=/` and no `Domain`, so no sibling host or plain-HTTP page can set or
 * shadow it.
 */
export const SESSION_COOKIE = '__Host-agentauth-session';

/** 32 random bytes = 43 base64url characters; anything longer in a cookie is not ours. */
const SESSION_ID_BYTES = 32;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** How long a password may wait for its second factor. */
export const MFA_STAGE_MS = 5 * 60_000;

/** `lastSeenAt` is written at most once a minute per session: the idle timeout is not that exact, the database is spared. */
const TOUCH_EVERY_MS = 60_000;

/** What `Sessions` needs. */
export interface SessionsDeps {
  clock: Clock;
  random: Random;
  store: Pick<UserStore, 'createSession' | 'getSession' | 'touchSession' | 'deleteSession' | 'getUser'>;
  /** The idle timeout (OWASP Session Management Cheat Sheet, "Session Expiration"). */
  idleMs: number;
  /** The absolute timeout: a session ends then, however active. */
  absoluteMs: number;
}

/** A live session and its person. */
export interface ResolvedSession {
  session: SessionRecord;
  user: UserRecord;
}

/** SHA-256 of a session id, base64url: what the store keys sessions by. */
export function sessionIdHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}

/**
 * Browser sessions of people (docs/people.md, "Sessions"). The id is 256 random bits, only ever in
 * the cookie; the store holds its SHA-256. A session resolves only while it is within both its idle
 * and its absolute timeout, its person exists, is `active` and is not locked. The CSRF token of a
 * session is HMAC-SHA-256 keyed by the session id (OWASP CSRF Prevention Cheat Sheet, the
 * synchronizer token bound to the session, in its stateless HMAC form): it can be printed in a page
 * and sent back in a form or header, yet reveals nothing of the id, and is compared in constant time.
 */
export class Sessions {
  constructor(private readonly deps: SessionsDeps) {
    if (!(deps.idleMs > 0 && deps.absoluteMs >= deps.idleMs)) throw new TypeError('sessions: idleMs must be positive and absoluteMs at least idleMs');
  }

  /**
   * Starts a session at `stage` (an `mfa` stage lives 5 minutes); with `replaces`, only if that
   * session still exists, which ends it (the id changes when the person's privilege does, OWASP
   * "Renew the Session ID After Any Privilege Level Change"). Returns the new id, or undefined.
   */
  async start(userId: string, stage: SessionStage, audit: readonly AuditInput[], replaces?: string): Promise<string | undefined> {
    const now = this.deps.clock.now();
    const id = this.deps.random.token(SESSION_ID_BYTES);
    const record: SessionRecord = { idHash: sessionIdHash(id), userId, stage, createdAt: now, lastSeenAt: now, expiresAt: now + (stage === 'mfa' ? MFA_STAGE_MS : this.deps.absoluteMs) };
    const created = await this.deps.store.createSession(record, audit, replaces === undefined ? undefined : sessionIdHash(replaces));
    return created ? id : undefined;
  }

  /** The live session `id` names at `stage`, or undefined (malformed, unknown, timed out, its person gone or not active). */
  async resolve(id: string | undefined, stage: SessionStage): Promise<ResolvedSession | undefined> {
    if (id === undefined || !SESSION_ID_PATTERN.test(id)) return undefined;
    const now = this.deps.clock.now();
    const session = await this.deps.store.getSession(sessionIdHash(id));
    if (session === undefined || session.stage !== stage) return undefined;
    if (now >= session.expiresAt || now >= session.lastSeenAt + this.deps.idleMs) return undefined;
    const user = await this.deps.store.getUser(session.userId);
    if (user === undefined || user.status !== 'active' || (user.lockedUntil !== null && now < user.lockedUntil)) return undefined;
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) await this.deps.store.touchSession(session.idHash, now);
    return { session, user };
  }

  /** Ends the session `id` names; false when there was none. */
  end(id: string, audit: readonly AuditInput[]): Promise<boolean> {
    if (!SESSION_ID_PATTERN.test(id)) return Promise.resolve(false);
    return this.deps.store.deleteSession(sessionIdHash(id), audit);
  }

  /** The session's CSRF token. */
  csrfToken(id: string): string {
    return createHmac('sha256', Buffer.from(id, 'utf8')).update('agentauth csrf v1').digest('base64url');
  }

  /** Whether `submitted` is the session's CSRF token, compared in constant time. */
  checkCsrf(id: string, submitted: string | undefined): boolean {
    if (submitted === undefined || submitted.length > 128) return false;
    const expected = createHash('sha256').update(this.csrfToken(id)).digest();
    return timingSafeEqual(expected, createHash('sha256').update(submitted).digest());
  }
}
