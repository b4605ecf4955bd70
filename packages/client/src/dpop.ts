import { dpopTargetUri } from '@agentauth/protocol';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/** RFC 9449 §4.2 `ath`: base64url SHA-256 of the ASCII access token. */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * An RFC 9449 DPoP key: a key pair made for proofs only (distinct from the agent's client
 * authentication key, so rotating one does not invalidate the other), non-extractable, plus the
 * last nonce each server (by origin) gave us (RFC 9449 §8, §9).
 */
export class DpopKey {
  readonly #privateKey: CryptoKey;
  readonly #nonces = new Map<string, string>();
  /** The public JWK put in every proof header (RFC 9449 §4.2 `jwk`). */
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to this key (RFC 9449 §6.1). */
  readonly thumbprint: string;
  readonly #now: () => number;

  private constructor(privateKey: CryptoKey, publicJwk: JWK, thumbprint: string, now: () => number) {
    this.#privateKey = privateKey;
    this.publicJwk = publicJwk;
    this.thumbprint = thumbprint;
    this.#now = now;
  }

  /** Generates a fresh ES256 DPoP key (RFC 9449 §4.1: asymmetric, never `none` or HMAC). */
  static async generate(now: () => number = Date.now): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: false });
    const jwk = await exportJWK(publicKey);
    const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    return new DpopKey(privateKey, publicJwk, await calculateJwkThumbprint(publicJwk), now);
  }

  /**
   * A DPoP proof (RFC 9449 §4.2): header `typ: dpop+jwt`, `alg: ES256`, `jwk`; claims `jti`
   * (128 random bits), `htm`, `htu`, `iat`, plus `ath` when presenting an access token and the
   * last `nonce` the target's origin gave us.
   */
  async proof(method: string, url: string | URL, accessToken?: string): Promise<string> {
    const claims: Record<string, unknown> = {
      jti: base64url.encode(crypto.getRandomValues(new Uint8Array(16))),
      htm: method.toUpperCase(),
      htu: dpopTargetUri(url),
      iat: Math.floor(this.#now() / 1000),
    };
    const nonce = this.#nonces.get(new URL(url).origin);
    if (nonce !== undefined) claims['nonce'] = nonce;
    if (accessToken !== undefined) claims['ath'] = await accessTokenHash(accessToken);
    return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: this.publicJwk }).sign(this.#privateKey);
  }

  /**
   * Remembers the `DPoP-Nonce` header of a response (RFC 9449 §8.2, §9: a server may send a fresh
   * nonce with any response). Returns true when it changed, so a caller retrying on
   * `use_dpop_nonce` knows the retry can succeed.
   */
  rememberNonce(url: string | URL, response: Response): boolean {
    const nonce = response.headers.get('dpop-nonce');
    // RFC 9449 §8.1: NQCHAR = %x21 / %x23-5B / %x5D-7E; anything else is ignored.
    if (nonce === null || nonce.length > 512 || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(nonce)) return false;
    const origin = new URL(url).origin;
    const changed = this.#nonces.get(origin) !== nonce;
    this.#nonces.set(origin, nonce);
    return changed;
  }
}
