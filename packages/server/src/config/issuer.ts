import { isIP } from 'node:net';
import { isLoopbackHost } from '@agentauth/protocol';
import type { ValueType } from './value-types.js';

/** `http://HOST:PORT`, the issuer a server has when none is configured. */
export function defaultIssuer(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

const MAX_ISSUER_LENGTH = 2048;

/**
 * The authorization server's issuer identifier (RFC 8414 §2): an https URL with no query and no
 * fragment. We also refuse a trailing slash and anything not in canonical form, because §3.3
 * requires the `issuer` in metadata to be identical to the one clients were configured with, and
 * clients compare strings. Plain http is accepted only for a loopback host (ARCHITECTURE.md, Security rules).
 * Rejects instead of normalising: a silently rewritten issuer would not match the clients'.
 */
export function issuerUrl(): ValueType<string> {
  return {
    kind: 'value',
    summary: 'https URL (http only on loopback)',
    parse(raw) {
      const fail = (expected: string) => ({ ok: false, expected }) as const;
      if (typeof raw !== 'string') return fail('must be a string');
      if (raw.length > MAX_ISSUER_LENGTH || !URL.canParse(raw)) return fail('must be an absolute https URL');
      const url = new URL(raw);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('must be an absolute https URL');
      if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
        return fail('must use https: plain http is allowed only when the host is loopback (127.0.0.0/8, ::1, localhost)');
      }
      // Checked on the raw text: URL drops an empty "?" or "#", which would still make a different string.
      if (raw.includes('?')) return fail('must not have a query component (RFC 8414 §2)');
      if (raw.includes('#')) return fail('must not have a fragment component (RFC 8414 §2)');
      if (url.username !== '' || url.password !== '') return fail('must not contain user information');
      if (raw.endsWith('/')) return fail('must not end with a slash');
      const canonical = url.pathname === '/' ? url.href.slice(0, -1) : url.href;
      if (canonical !== raw) return fail(`must be written in canonical form: ${canonical}`);
      return { ok: true, value: raw };
    },
  };
}
