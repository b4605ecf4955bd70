import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A DPoP key pair as an agent holds it. */
export interface DpopTestKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function dpopKey(alg: 'ES256' | 'ES384' | 'EdDSA' | 'PS256' | 'RS256' = 'ES256'): Promise<DpopTestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

export interface ProofOverrides {
  /** Merged over the default header; a member set to undefined is removed. */
  header?: Record<string, unknown>;
  /** Merged over the default claims; a member set to undefined is removed. */
  claims?: Record<string, unknown>;
  /** Sign with this key instead of the proof key (for a bad signature). */
  signWith?: CryptoKey | Uint8Array;
}

function without(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** A real RFC 9449 §4.2 proof, signed by jose, with every header member and claim overridable. */
export async function dpopProof(key: DpopTestKey, htm: string, htu: string, nowMs: number, overrides: ProofOverrides = {}): Promise<string> {
  const header = without({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...overrides.header });
  const claims = without({ jti: crypto.randomUUID(), htm, htu, iat: Math.floor(nowMs / 1000), ...overrides.claims });
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(overrides.signWith ?? key.privateKey);
}

/** A JWS whose signing is done by hand, for headers jose refuses to produce (`alg: none`). */
export function unsignedProof(header: Record<string, unknown>, claims: Record<string, unknown>, signature = ''): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64(header)}.${b64(claims)}.${signature}`;
}

/** RFC 9449 §4.2 `ath`, computed independently of the code under test. */
export function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}
