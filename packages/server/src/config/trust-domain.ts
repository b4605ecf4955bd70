import type { ValueType } from './value-types.js';

/**
 * SPIFFE-ID §2.1: a trust domain name is lowercase letters, digits, dots, dashes and underscores;
 * we also cap it at 255 characters (the SPIFFE ID as a whole is capped at 2048 bytes, §2.3).
 */
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;

/** True when `name` is a valid SPIFFE trust domain name (SPIFFE-ID §2.1). */
export function isTrustDomain(name: string): boolean {
  return TRUST_DOMAIN.test(name) && !name.startsWith('.') && !name.endsWith('.') && !name.includes('..');
}

/**
 * The trust domain a server has when none is configured: the issuer's host name, lowercased,
 * without port or IPv6 brackets (which a trust domain may not hold). Undefined when that is not a
 * valid trust domain name (an IPv6 issuer): the operator must then set one.
 */
export function defaultTrustDomain(issuer: string): string | undefined {
  if (!URL.canParse(issuer)) return undefined;
  const host = new URL(issuer).hostname.toLowerCase();
  return isTrustDomain(host) ? host : undefined;
}

/** The `trustDomain` setting's value type: a SPIFFE trust domain name (SPIFFE-ID §2.1). */
export function trustDomainName(): ValueType<string> {
  return {
    kind: 'value',
    summary: 'SPIFFE trust domain name',
    parse(raw) {
      if (typeof raw !== 'string' || !isTrustDomain(raw)) {
        return { ok: false, expected: 'must be a SPIFFE trust domain name: lowercase letters, digits, ".", "-" and "_" (SPIFFE-ID §2.1)' };
      }
      return { ok: true, value: raw };
    },
  };
}
