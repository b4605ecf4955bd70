import { createHash, timingSafeEqual } from 'node:crypto';
import { BEARER, MAX_CREDENTIAL_LENGTH } from '../oauth/own-api-token.js';
import type { AdminAuthenticator } from './authenticate-admin.js';

/** Decides whether an `Authorization` header value may read `/metrics`. */
export type ScrapeAuthenticator = (authorization: string | undefined) => Promise<boolean>;

/**
 * The credential check of `/metrics` (docs/monitoring.md): the dedicated scrape token, compared
 * in constant time (SHA-256 digests and `timingSafeEqual`, so neither its content nor its length
 * leaks through timing), or any admin credential (`authenticate-admin.ts`). The scrape token
 * grants nothing but this read. RFC 6750 §2.1 Bearer only; never a query parameter.
 */
export function createScrapeAuthenticator(deps: { scrapeToken: string | undefined; authenticateAdmin: AdminAuthenticator }): ScrapeAuthenticator {
  const expected = deps.scrapeToken === undefined ? undefined : digest(deps.scrapeToken);
  return async (authorization) => {
    if (authorization === undefined || authorization.length > MAX_CREDENTIAL_LENGTH) return false;
    const match = BEARER.exec(authorization);
    if (match === null) return false;
    if (expected !== undefined && timingSafeEqual(digest(match[1] ?? ''), expected)) return true;
    return (await deps.authenticateAdmin(authorization)).ok;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
