import { tokenFirst } from './malformed-token.js';
import { VerificationError, type AuthScheme } from './verification-error.js';

/** Request headers as a Web `Headers`, or a Node-style record (lower-case names, arrays for repeats). */
export type RequestHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The credentials a request presents. */
export interface RequestCredentials {
  scheme: AuthScheme;
  token: string;
  /** The `DPoP` header (RFC 9449 §4.1); present only with the `DPoP` scheme. */
  dpopProof: string | undefined;
}

/** RFC 6750 §2.1 b64token (= RFC 7235 token68). */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/** RFC 7235 §2.1 auth-scheme (= RFC 9110 §5.6.2 token). */
const AUTH_SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A compact JWS: three base64url parts (RFC 7515 §7.1). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Every value of a header; a Web `Headers` joins repeats with ", ", which we then refuse. */
export function headerValues(headers: RequestHeaders, name: string): string[] {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    const value = (headers as Headers).get(name);
    return value === null ? [] : [value];
  }
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * Reads the access token from the `Authorization` header only (RFC 6750 §2.1; the form-body and
 * query methods of §2.2 and §2.3 are not supported, so a token there counts as no token).
 * The scheme is case-insensitive (RFC 7235 §2.1). Another scheme (`Basic`, ...) is a request
 * without an access token (RFC 6750 §3.1: no `error`, a challenge per accepted scheme). Refused as
 * `invalid_request`: more than one `Authorization` header, a value that is no RFC 7235
 * credentials, a `Bearer`/`DPoP` value that is not one token68. With the `DPoP` scheme exactly
 * one `DPoP` header must be present (RFC 9449 §4.3 check 1), unless the token is no JWT at all:
 * then the token is what is refused.
 *
 * @throws {VerificationError} `ERR_REQUEST_NO_TOKEN`, `ERR_REQUEST_INVALID`, `ERR_TOKEN_TOO_LARGE`, `ERR_TOKEN_MALFORMED`, `ERR_DPOP_PROOF`.
 */
export function readCredentials(headers: RequestHeaders, limits: { maxTokenLength: number; maxProofLength: number }): RequestCredentials {
  const authorization = headerValues(headers, 'authorization');
  if (authorization.length === 0 || (authorization.length === 1 && authorization[0] === '')) throw new VerificationError('ERR_REQUEST_NO_TOKEN');
  const value = authorization[0] as string;
  // A Web `Headers` joins repeated headers with ", ", and a token68 has no comma: both are repeats.
  if (authorization.length > 1 || value.includes(',')) throw new VerificationError('ERR_REQUEST_INVALID');
  const space = value.indexOf(' ');
  const schemeText = (space === -1 ? value : value.slice(0, space)).toLowerCase();
  const scheme: AuthScheme | undefined = schemeText === 'bearer' ? 'Bearer' : schemeText === 'dpop' ? 'DPoP' : undefined;
  if (scheme === undefined) throw new VerificationError(AUTH_SCHEME.test(schemeText) ? 'ERR_REQUEST_NO_TOKEN' : 'ERR_REQUEST_INVALID');
  const token = space === -1 ? '' : value.slice(space + 1);
  // The length is checked before the pattern, so a hostile header costs one comparison.
  if (token.length > limits.maxTokenLength) throw new VerificationError('ERR_TOKEN_TOO_LARGE', { scheme });
  if (!TOKEN68.test(token)) throw new VerificationError('ERR_REQUEST_INVALID', { scheme });

  if (scheme === 'Bearer') return { scheme, token, dpopProof: undefined };
  const proofs = headerValues(headers, 'dpop');
  const proof = proofs[0];
  if (proofs.length !== 1 || proof === undefined || proof.length > limits.maxProofLength || !COMPACT_JWS.test(proof)) {
    throw tokenFirst(token, scheme, new VerificationError('ERR_DPOP_PROOF', { scheme }));
  }
  return { scheme, token, dpopProof: proof };
}
