import { constants, sign, type KeyObject } from 'node:crypto';
import type { SigningAlg } from '@agentauth/protocol';
import type { TokenSigner } from '../tokens/token-signer.js';

/** RFC 7518 §3.5: the PSS salt is as long as the hash output (SHA-256: 32 bytes). */
const PSS_SALT_BYTES = 32;

/**
 * A synchronous JWS signer (RFC 7515 §5.1) over a private KeyObject, so `POST /token` signs without
 * an await: ES256 as IEEE P1363 `r || s` (RFC 7518 §3.4), EdDSA over the raw input (RFC 8037 §3.1),
 * PS256 with MGF1-SHA-256 and a 32-byte salt (RFC 7518 §3.5).
 *
 * Does NOT check that `privateKey` suits `alg`; node:crypto throws on the first signature if not.
 */
export function createTokenSigner(kid: string, alg: SigningAlg, privateKey: KeyObject): TokenSigner {
  if (privateKey.type !== 'private') throw new TypeError('createTokenSigner needs a private key');
  let signFn: (input: Buffer) => Buffer;
  switch (alg) {
    case 'ES256': {
      const key = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
      signFn = (input) => sign('sha256', input, key);
      break;
    }
    case 'EdDSA':
      signFn = (input) => sign(null, input, privateKey);
      break;
    case 'PS256': {
      const key = { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES };
      signFn = (input) => sign('sha256', input, key);
      break;
    }
    default:
      throw new TypeError(`unsupported signing algorithm: ${String(alg)}`);
  }
  return Object.freeze({ kid, alg, sign: signFn });
}
