import { SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import { jtiFault, timeClaimsFault } from '../../jwt/claim-rules.js';
import { headerFault } from '../../jwt/header-policy.js';
import { CLIENT_ASSERTION } from '../../jwt/jwt-kinds.js';
import type { ClientEntry, ClientKey } from '../client-directory.js';
import { decodeCompactJws, keyMatchesAlg, verifyJwsSignature, type DecodedJws } from './compact-jws.js';

/** RFC 7523 §3 item 4 lets us refuse an `exp` too far ahead: an assertion lives at most 5 minutes. */
export const ASSERTION_MAX_LIFETIME_SECONDS = 300;

/** A checked, unverified assertion: what we know after parsing, before the signature. */
export interface ParsedAssertion {
  jws: DecodedJws;
  alg: SigningAlg;
  kid: string | undefined;
  clientId: string;
  jti: string;
  /** Seconds. */
  exp: number;
}

/**
 * Parses an RFC 7523 §2.2 client assertion and applies every RFC 7523 §3 rule except the
 * signature: the header policy of every JWT we read (`headerFault`), `iss` = `sub` = client_id,
 * `aud` exactly the issuer identifier (a string: strict reading), `exp` present, not past and at
 * most 5 minutes ahead, `nbf`/`iat` not in the future (`timeClaimsFault`), `jti` present. Returns the
 * failure reason as a string (private detail, never sent to the client).
 */
export function parseClientAssertion(assertion: string, issuer: string, nowSeconds: number): ParsedAssertion | string {
  const jws = decodeCompactJws(assertion, CLIENT_ASSERTION.maxLength);
  if (typeof jws === 'string') return jws;
  const { header, payload } = jws;
  const refused = headerFault(header, CLIENT_ASSERTION, SIGNING_ALGS);
  if (refused !== undefined) return refused;

  const { iss, sub, aud, exp, jti } = payload;
  if (typeof iss !== 'string' || iss === '') return 'iss missing';
  if (sub !== iss) return 'sub does not equal iss';
  if (aud !== issuer) return 'aud is not the issuer identifier';
  const untimely = timeClaimsFault(payload, CLIENT_ASSERTION, nowSeconds, ['exp']);
  if (untimely !== undefined) return untimely;
  if ((exp as number) > nowSeconds + ASSERTION_MAX_LIFETIME_SECONDS + CLIENT_ASSERTION.skew) return 'exp too far in the future';
  const badJti = jtiFault(jti);
  if (badJti !== undefined) return badJti;

  return { jws, alg: header.alg as SigningAlg, kid: header.kid as string | undefined, clientId: iss, jti: jti as string, exp: exp as number };
}

/**
 * Verifies the assertion's signature against the client's registered keys: the key named by
 * `kid`, or, without a `kid`, each registered key fit for the algorithm. Returns the key used.
 */
export function verifyClientAssertion(assertion: ParsedAssertion, client: ClientEntry): ClientKey | string {
  const candidates = assertion.kid === undefined ? client.keys : client.keys.filter((k) => k.kid === assertion.kid);
  if (candidates.length === 0) return assertion.kid === undefined ? 'client has no keys' : 'unknown kid';
  for (const candidate of candidates) {
    if (candidate.alg !== undefined && candidate.alg !== assertion.alg) continue;
    if (!keyMatchesAlg(assertion.alg, candidate.key)) continue;
    if (verifyJwsSignature(assertion.alg, candidate.key, assertion.jws)) return candidate;
  }
  return 'signature verification failed';
}
