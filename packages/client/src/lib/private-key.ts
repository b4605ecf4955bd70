import { importJWK, type JWK } from 'jose';

import type { SigningAlg } from '@agentauth/protocol';

/** Which JWK key types can sign with each algorithm (RFC 7518 §3, RFC 8037 §3.1). */
const JWK_SHAPE: Record<SigningAlg, (jwk: JWK) => boolean> = {
  ES256: (jwk) => jwk.kty === 'EC' && jwk.crv === 'P-256',
  EdDSA: (jwk) => jwk.kty === 'OKP' && jwk.crv === 'Ed25519',
  PS256: (jwk) => jwk.kty === 'RSA',
};

/**
 * Turns the caller's private key into a non-extractable CryptoKey for `alg`.
 * Every failure is a TypeError with a fixed message: the key is the caller's secret, so nothing
 * from it (nor a library message that might quote it) reaches the error.
 */
export async function toPrivateKey(key: unknown, alg: SigningAlg): Promise<CryptoKey> {
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) {
    if (key.type !== 'private') throw new TypeError('key must be a private key');
    return key;
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) {
    throw new TypeError('key must be a private CryptoKey or a private JWK');
  }
  const jwk = key as JWK;
  if (typeof jwk.d !== 'string' || jwk.d === '') throw new TypeError('key must be a private JWK (it has no "d")');
  if (!JWK_SHAPE[alg](jwk)) throw new TypeError(`key is not a ${alg} key`);
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new TypeError(`key is for ${String(jwk.alg)}, not ${alg}`);
  let imported: CryptoKey | Uint8Array;
  try {
    imported = await importJWK({ ...jwk, ext: false }, alg, { extractable: false });
  } catch {
    throw new TypeError('key is not a valid private JWK');
  }
  if (imported instanceof Uint8Array) throw new TypeError('key must be an asymmetric private key');
  return imported;
}
