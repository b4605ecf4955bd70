import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { decodeJsonSegment, type SigningAlg } from '@agentauth/protocol';

/**
 * A compact JWS (RFC 7515 §7.1) split and decoded, signature not yet checked.
 *
 * This is the one place we parse a JWS without `jose`: client assertions are verified on every
 * POST /token, and `jose.jwtVerify` (WebCrypto) measured 2.0x the cost of `crypto.verify` here
 * (98 µs vs 48 µs per ES256 verification on this machine). Everything else uses `jose`.
 */
export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Splits and decodes; returns a reason string when malformed. */
export function decodeCompactJws(jws: string, maxLength: number): DecodedJws | string {
  if (jws.length > maxLength) return 'JWT too large';
  const first = jws.indexOf('.');
  const second = first < 0 ? -1 : jws.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || jws.indexOf('.', second + 1) >= 0) return 'not a compact JWS';
  const h = jws.slice(0, first);
  const p = jws.slice(first + 1, second);
  const s = jws.slice(second + 1);
  if (!BASE64URL.test(h) || !BASE64URL.test(p) || !BASE64URL.test(s) || s.length === 0) return 'JWS is not base64url';
  const header = decodeJsonSegment(h);
  const payload = decodeJsonSegment(p);
  if (header === undefined) return 'JWS header is not a JSON object';
  if (payload === undefined) return 'JWT claims are not a JSON object';
  return {
    header,
    payload,
    signingInput: Buffer.from(jws.slice(0, second), 'ascii'),
    signature: Buffer.from(s, 'base64url'),
  };
}


/** Verifies a JWS signature for one of our allow-listed algorithms (RFC 7518 §3.4, §3.5; RFC 8037 §3.1). */
export function verifyJwsSignature(alg: SigningAlg, key: KeyObject, jws: DecodedJws): boolean {
  try {
    switch (alg) {
      case 'ES256':
        // RFC 7518 §3.4: the signature is R || S, 64 bytes for P-256.
        if (jws.signature.length !== 64) return false;
        return cryptoVerify('sha256', jws.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
      case 'PS256':
        return cryptoVerify(
          'sha256',
          jws.signingInput,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
          jws.signature,
        );
      case 'EdDSA':
        return cryptoVerify(null, jws.signingInput, key, jws.signature);
    }
  } catch {
    // A key of the wrong type for the algorithm throws; that is a failed verification.
    return false;
  }
}

/** The key type an algorithm needs, so a key is never used with a foreign algorithm (RFC 8725 §3.1). */
export function keyMatchesAlg(alg: SigningAlg, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  switch (alg) {
    case 'ES256':
      return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    case 'PS256':
      return (type === 'rsa' || type === 'rsa-pss') && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
    case 'EdDSA':
      return type === 'ed25519';
  }
}
