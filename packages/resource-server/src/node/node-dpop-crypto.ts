import { constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ECDSA_SIGNATURE_LENGTH, MIN_RSA_BITS, type DpopCrypto } from '../dpop/dpop-key.js';

/**
 * DPoP signatures with `node:crypto`, for the authorization server's token endpoint: the same
 * checks as the Web Crypto backend, synchronously. Measured on one core, `crypto.verify` checks an
 * ES256 signature in about half the time `crypto.subtle.verify` takes (no promise, no hand-off to
 * the thread pool), and the token endpoint bounds DPoP issuance at 25 % over plain issuance.
 */
export const nodeDpopCrypto: DpopCrypto<KeyObject> = {
  async importKey(members, alg) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: members, format: 'jwk' });
    } catch {
      return 'jwk is not a valid public key';
    }
    if ((alg === 'PS256' || alg === 'RS256') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return 'RSA key shorter than 2048 bits';
    return key;
  },

  verify(alg, key, signingInput, signature) {
    const expectedLength = ECDSA_SIGNATURE_LENGTH[alg];
    if (expectedLength !== undefined && signature.length !== expectedLength) return false;
    try {
      switch (alg) {
        case 'ES256':
          return cryptoVerify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
        case 'ES384':
          return cryptoVerify('sha384', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
        case 'PS256':
          // RFC 7518 §3.5: the salt is as long as the hash, 32 bytes for SHA-256.
          return cryptoVerify('sha256', signingInput, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
        case 'RS256':
          return cryptoVerify('sha256', signingInput, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
        case 'EdDSA':
          return cryptoVerify(null, signingInput, key, signature);
      }
    } catch {
      return false;
    }
  },
};
