import { AccessTokenError } from './errors.js';
import { constantTimeEqual } from './lib/constant-time-equal.js';

/**
 * The proof of possession a request carried, as thumbprints (RFC 7638, RFC 8705 §3.1). Give the
 * DPoP key thumbprint only after verifying the DPoP proof, and the certificate thumbprint only
 * from the TLS connection itself, never from a header a client could set.
 */
export interface PresentedBinding {
  /** `jkt` of the verified DPoP proof's key (RFC 9449 §6.1). */
  dpopJkt?: string;
  /** base64url SHA-256 of the DER peer certificate of the TLS connection (RFC 8705 §3.1). */
  x5tS256?: string;
}

/** How a verified token is bound to its holder. */
export type TokenBinding = 'bearer' | 'dpop' | 'mtls';

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A token's thumbprint against the one the request proved, compared in constant time. */
const matches = (claimed: unknown, proved: string | undefined): boolean => isNonEmptyString(claimed) && proved !== undefined && constantTimeEqual(claimed, proved);

const CONFIRMATION_MEMBERS = new Set(['jkt', 'x5t#S256']);

/**
 * RFC 7800 §3.1 / RFC 9449 §6.1 / RFC 8705 §3.1: every confirmation method the token names must
 * be proven by the request. An unknown method cannot be checked, so it is refused, never ignored.
 */
export function checkBinding(cnf: unknown, presented: PresentedBinding | undefined): TokenBinding {
  if (cnf === undefined) return 'bearer';
  if (presented === undefined) throw new AccessTokenError('ERR_TOKEN_BINDING');
  if (!isObject(cnf)) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  const members = Object.keys(cnf as object);
  if (members.length === 0 || members.some((name) => !CONFIRMATION_MEMBERS.has(name))) throw new AccessTokenError('ERR_TOKEN_BINDING');
  const { jkt, 'x5t#S256': x5t } = cnf as { jkt?: unknown; 'x5t#S256'?: unknown };
  if (jkt !== undefined && !matches(jkt, presented.dpopJkt)) throw new AccessTokenError('ERR_TOKEN_BINDING');
  if (x5t !== undefined && !matches(x5t, presented.x5tS256)) throw new AccessTokenError('ERR_TOKEN_BINDING');
  return jkt !== undefined ? 'dpop' : 'mtls';
}
