import { ECDSA_SIGNATURE_LENGTH, MIN_RSA_BITS, type DpopAlgorithm, type DpopCrypto } from './dpop-key.js';

/**
 * The Web Crypto import parameters for a key that fits `alg` (W3C Web Cryptography API §23-§25;
 * RFC 7518 §3.3-§3.5, RFC 8037 §3.1). The key is bound to this one algorithm, hash included, so it
 * can verify nothing else. Ed448 imports only where the runtime has it (Node.js does, browsers
 * mostly do not); elsewhere the import fails and the proof is refused.
 */
function importParameters(alg: DpopAlgorithm, members: Record<string, string>): EcKeyImportParams | RsaHashedImportParams | Algorithm {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ES384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'PS256':
      return { name: 'RSA-PSS', hash: 'SHA-256' };
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'EdDSA':
      return { name: members.crv as string };
  }
}

/** The Web Crypto `verify` parameters of each algorithm (RFC 7518 §3.4-§3.5, RFC 8037 §3.1). */
function verifyParameters(key: CryptoKey, alg: DpopAlgorithm): Algorithm | EcdsaParams | RsaPssParams {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', hash: 'SHA-256' };
    case 'ES384':
      return { name: 'ECDSA', hash: 'SHA-384' };
    case 'PS256':
      // RFC 7518 §3.5: the salt is as long as the hash, 32 bytes for SHA-256.
      return { name: 'RSA-PSS', saltLength: 32 };
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5' };
    case 'EdDSA':
      return { name: key.algorithm.name };
  }
}

/**
 * DPoP signatures with Web Crypto (`crypto.subtle`), so the core runs on any runtime: the key
 * imported as a JWK (the import checks an EC point is on its curve), then `subtle.verify`. An
 * ECDSA signature is the fixed-length R || S that Web Crypto takes; any other length is refused
 * before verifying, never converted. A key Web Crypto refuses for the algorithm is a failed
 * signature, never a thrown error.
 */
export const webDpopCrypto: DpopCrypto<CryptoKey> = {
  async importKey(members, alg) {
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey('jwk', members, importParameters(alg, members), false, ['verify']);
    } catch {
      return 'jwk is not a valid public key';
    }
    if ((alg === 'PS256' || alg === 'RS256') && ((key.algorithm as RsaHashedKeyAlgorithm).modulusLength ?? 0) < MIN_RSA_BITS) return 'RSA key shorter than 2048 bits';
    return key;
  },

  async verify(alg, key, signingInput, signature) {
    const expectedLength = ECDSA_SIGNATURE_LENGTH[alg];
    if (expectedLength !== undefined && signature.length !== expectedLength) return false;
    try {
      return await crypto.subtle.verify(verifyParameters(key, alg), key, signature, signingInput);
    } catch {
      return false;
    }
  },
};
