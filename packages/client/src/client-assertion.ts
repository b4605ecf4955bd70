import { SignJWT, base64url, type JWK } from 'jose';

import { SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';

import { checkIssuer } from './lib/endpoint-url.js';
import { toPrivateKey } from './lib/private-key.js';

/** Default assertion lifetime: long enough for clock skew, short enough to bound replay. */
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 60;
/** The server rejects assertions that live longer than this. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/** Options of {@link createClientAssertion}. */
export interface ClientAssertionOptions {
  /** The agent's `client_id`: both `iss` and `sub` of the assertion. */
  clientId: string;
  /**
   * The authorization server's issuer identifier (RFC 7523 §3 point 3). agentauth requires
   * `aud` to be exactly its issuer, not the token endpoint URL.
   */
  audience: string;
  /** The private key registered (as its public half) for the agent. */
  key: CryptoKey | JWK;
  alg: SigningAlg;
  /** The JWS `kid` header; set it when the agent has more than one key. */
  kid?: string;
  /** Seconds until `exp`; default 60, at most 300. */
  lifetimeSeconds?: number;
  /** Milliseconds since the epoch (like `Date.now`), injectable for tests. */
  now?: () => number;
}

/**
 * Creates an RFC 7523 §2.2 client assertion (the `private_key_jwt` method of OpenID Connect Core
 * §9): a JWS with `iss` = `sub` = clientId, `aud` = the issuer, a random `jti` of 256 bits,
 * `iat` and `exp` (RFC 7523 §3). The header carries `alg` and `kid`; no `typ`, which RFC 7523
 * does not define.
 *
 * Each call makes a new `jti`: an assertion is single-use, the server rejects a replay.
 *
 * Throws TypeError on misuse: an empty clientId, an audience that is not an https issuer (http
 * only on loopback), an unknown alg, a public or malformed key, a lifetime outside 1..300 s.
 * The key never appears in an error.
 *
 * Does not check that the key is the one registered for the agent: only the server can.
 */
export async function createClientAssertion(options: ClientAssertionOptions): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { clientId, audience, alg, kid } = options;
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId must be a non-empty string');
  checkIssuer(audience);
  if (!(SIGNING_ALGS as readonly string[]).includes(alg)) {
    throw new TypeError(`alg must be one of ${SIGNING_ALGS.join(', ')}`);
  }
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) throw new TypeError('kid must be a non-empty string');
  const lifetime = options.lifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new TypeError(`lifetimeSeconds must be an integer from 1 to ${MAX_ASSERTION_LIFETIME_SECONDS}`);
  }
  const nowMs = (options.now ?? Date.now)();
  if (!Number.isFinite(nowMs)) throw new TypeError('now() must return milliseconds since the epoch');
  const key = await toPrivateKey(options.key, alg);

  const iat = Math.floor(nowMs / 1000);
  const header = kid === undefined ? { alg } : { alg, kid };
  try {
    return await new SignJWT({})
      .setProtectedHeader(header)
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setJti(randomJti())
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .sign(key);
  } catch {
    // jose refuses a CryptoKey whose algorithm does not match alg; keep the message fixed.
    throw new TypeError(`key cannot sign with ${alg}`);
  }
}

/** 256 random bits: RFC 7519 §4.1.7 wants a negligible collision probability. */
function randomJti(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}
