import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importDpopKey, type DpopAlgorithm, type DpopCrypto } from '../../src/dpop/dpop-key.js';
import { webDpopCrypto } from '../../src/dpop/web-dpop-crypto.js';
import { nodeDpopCrypto } from '../../src/node/node-dpop-crypto.js';

/**
 * One contract for both signature backends of `verifyDpopProof`: Web Crypto (the core) and
 * `node:crypto` (`/node`, the token endpoint). The Wycheproof vectors run through both in
 * signature-vectors.test.ts.
 */

// RFC 9449 §4.1, the DPoP header's jwk; member order as in the RFC (not canonical).
const RFC_9449_JWK = { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256' };

const pairs: Record<DpopAlgorithm, () => { privateKey: KeyObject; publicKey: KeyObject }> = {
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  EdDSA: () => generateKeyPairSync('ed25519'),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

/** A JWS signature as RFC 7518 §3.3-§3.5 and RFC 8037 §3.1 define it. */
function jwsSign(alg: DpopAlgorithm, key: KeyObject, input: Uint8Array): Uint8Array<ArrayBuffer> {
  if (alg === 'EdDSA') return new Uint8Array(sign(null, input, key));
  if (alg === 'ES256' || alg === 'ES384') return new Uint8Array(sign(alg === 'ES256' ? 'sha256' : 'sha384', input, { key, dsaEncoding: 'ieee-p1363' }));
  return new Uint8Array(sign('sha256', input, alg === 'PS256' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : key));
}

describe.each([
  ['Web Crypto', webDpopCrypto],
  ['node:crypto', nodeDpopCrypto],
] as [string, DpopCrypto<unknown>][])('DPoP signatures with %s', (_name, backend) => {
  it('computes the RFC 7638 thumbprint of the RFC 9449 §4.1 example key as RFC 9449 §6.1 shows it', async () => {
    const key = await importDpopKey(RFC_9449_JWK, 'ES256', backend);
    expect(typeof key === 'string' ? key : key.jkt).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('ignores members outside RFC 7638 for the thumbprint, so a key keeps one jkt', async () => {
    const key = await importDpopKey({ ...RFC_9449_JWK, kid: 'k', use: 'sig' }, 'ES256', backend);
    expect(typeof key === 'string' ? key : key.jkt).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('refuses an RSA key shorter than 2048 bits', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(await importDpopKey(publicKey.export({ format: 'jwk' }), 'PS256', backend)).toBe('RSA key shorter than 2048 bits');
  });

  it('refuses an EC point that is not on its curve', async () => {
    // The RFC's key with y + 1: a point off P-256.
    expect(await importDpopKey({ ...RFC_9449_JWK, y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDE' }, 'ES256', backend)).toBe('jwk is not a valid public key');
  });

  it.each(Object.keys(pairs) as DpopAlgorithm[])('%s: accepts its signature; refuses another input, a truncated signature, another key', async (alg) => {
    const { privateKey, publicKey } = pairs[alg]();
    const key = await importDpopKey(publicKey.export({ format: 'jwk' }), alg, backend);
    if (typeof key === 'string') throw new Error(key);
    const input = new TextEncoder().encode('eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0');
    const signature = jwsSign(alg, privateKey, input);
    expect(await backend.verify(alg, key.key, input, signature)).toBe(true);
    expect(await backend.verify(alg, key.key, new TextEncoder().encode('eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ5In0'), signature)).toBe(false);
    expect(await backend.verify(alg, key.key, input, signature.slice(0, -1))).toBe(false);
    expect(await backend.verify(alg, key.key, input, jwsSign(alg, pairs[alg]().privateKey, input))).toBe(false);
  });

  it('refuses an ECDSA signature in DER, the form JWS does not use', async () => {
    const { privateKey, publicKey } = pairs.ES256();
    const key = await importDpopKey(publicKey.export({ format: 'jwk' }), 'ES256', backend);
    if (typeof key === 'string') throw new Error(key);
    const input = new TextEncoder().encode('a.b');
    expect(await backend.verify('ES256', key.key, input, new Uint8Array(sign('sha256', input, privateKey)))).toBe(false);
  });
});
