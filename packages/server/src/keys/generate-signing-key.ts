import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningAlg } from '@agentauth/protocol';
import { calculateJwkThumbprint, type JWK } from 'jose';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * RSA modulus for PS256. RFC 7518 §3.5 requires at least 2048 bits, and NIST SP 800-57 Part 1
 * rates 2048 bits (112-bit security) acceptable through 2030. We keep the minimum because the
 * signature is the cost of every `POST /token`: on our reference machine an RSA-3072 signature
 * took ~1.5 ms against ~0.2 ms for 2048 (ES256 and EdDSA: ~0.02 ms, and 128-bit security). A
 * deployment wanting more strength should pick ES256 or EdDSA rather than a larger modulus.
 */
export const RSA_MODULUS_BITS = 2048;

/** A freshly generated signing key pair, named by its RFC 7638 thumbprint. */
export interface GeneratedSigningKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** RFC 7517 public JWK with `kid`, `alg` and `use: "sig"`; never a private member. */
  readonly publicJwk: JWK;
  readonly privateKey: KeyObject;
}

async function generatePair(alg: SigningAlg): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (alg) {
    case 'ES256':
      return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairAsync('ed25519');
    case 'PS256':
      // A plain `rsa` key (not `rsa-pss`): it exports as an RFC 7518 §6.3 JWK, and PSS is chosen
      // per signature (RFC 7518 §3.5), so the key is not tied to parameters we might change.
      return generateKeyPairAsync('rsa', { modulusLength: RSA_MODULUS_BITS, publicExponent: 0x10001 });
    default:
      throw new TypeError(`unsupported signing algorithm: ${String(alg)}`);
  }
}

/**
 * The public JWK of `publicKey` as we publish it (RFC 7517 §4: `use: "sig"`, `alg`, `kid`), with
 * `kid` the RFC 7638 SHA-256 thumbprint, so a `kid` names exactly one key on every node.
 * Also used to check, when a stored key is loaded, that its private half matches its `kid`.
 */
export async function publicSigningJwk(alg: SigningAlg, publicKey: KeyObject): Promise<{ kid: string; jwk: JWK }> {
  if (publicKey.type !== 'public') throw new TypeError('publicSigningJwk needs a public key');
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  // Copy only the RFC 7638 §3.2 required members: nothing else (and no private member) can leak.
  const base: JWK =
    exported.kty === 'RSA'
      ? { kty: 'RSA', n: exported.n, e: exported.e }
      : exported.kty === 'EC'
        ? { kty: 'EC', crv: exported.crv, x: exported.x, y: exported.y }
        : { kty: 'OKP', crv: exported.crv, x: exported.x };
  const kid = await calculateJwkThumbprint(base, 'sha256');
  return { kid, jwk: { ...base, use: 'sig', alg, kid } };
}

/**
 * Generates a signing key for `alg` (RFC 7518 §3.4 ES256 on P-256, RFC 8037 §3.1 EdDSA on Ed25519,
 * RFC 7518 §3.5 PS256 on RSA-{@link RSA_MODULUS_BITS}) with node:crypto.
 */
export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generatePair(alg);
  const { kid, jwk } = await publicSigningJwk(alg, publicKey);
  return { kid, alg, publicJwk: jwk, privateKey };
}
