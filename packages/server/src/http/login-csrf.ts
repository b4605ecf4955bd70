import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hostCookie, readCookie } from '../people/session-cookie.js';
import type { Random } from '../random.js';

/**
 * The double-submit cookie of the forms shown before anyone is signed in (OWASP CSRF Prevention
 * Cheat Sheet, "Double Submit Cookie"), `__Host-` prefixed so no sibling host can plant one
 * (RFC 6265bis §4.1.3.2). Once signed in, forms carry the session's own token instead.
 */
export const LOGIN_CSRF_COOKIE = '__Host-agentauth-login-csrf';
const LOGIN_CSRF_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The login form's double-submit token: the browser's cookie, or a new one set now. */
export function loginCsrf(request: FastifyRequest, reply: FastifyReply, random: Random): string {
  const existing = readCookie(request.headers.cookie, LOGIN_CSRF_COOKIE);
  if (existing !== undefined && LOGIN_CSRF_PATTERN.test(existing)) return existing;
  const token = random.token(32);
  reply.header('set-cookie', hostCookie(LOGIN_CSRF_COOKIE, token));
  return token;
}

/** The browser's double-submit cookie when `submitted` equals it (in constant time), else undefined. */
export function checkLoginCsrf(request: FastifyRequest, submitted: string | undefined): string | undefined {
  const cookie = readCookie(request.headers.cookie, LOGIN_CSRF_COOKIE);
  if (cookie === undefined || !LOGIN_CSRF_PATTERN.test(cookie) || !sameSecret(cookie, submitted)) return undefined;
  return cookie;
}

/** Whether two secrets are equal, in constant time whatever their lengths. */
export function sameSecret(expected: string, submitted: string | undefined): boolean {
  if (submitted === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(submitted));
}
