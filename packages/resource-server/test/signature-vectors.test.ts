import { exportJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenError, DpopProofError, verifyAccessToken, verifyDpopProof } from '../src/index.js';
import { importDpopKey, type DpopAlgorithm, type DpopCrypto } from '../src/dpop/dpop-key.js';
import { webDpopCrypto } from '../src/dpop/web-dpop-crypto.js';
import { nodeDpopCrypto } from '../src/node/node-dpop-crypto.js';
import { signEd25519Bytes, signEs256Bytes } from '../../server/test/support/hostile-jose.js';
import { ED25519_TRANSFORMS, P1363_TRANSFORMS, vectorGroups, wycheproofVerdict, type SignatureTransform, type VectorFile } from '../../server/test/vectors/wycheproof.js';

/**
 * Wycheproof (vendored in packages/server/test/vectors/wycheproof, see its README) against the
 * SDK's two signature checks, in two layers.
 *
 * 1. The crypto layer: every ES256 (P1363) and Ed25519 vector through `crypto.subtle.verify`, the
 *    call jose's `jwtVerify` makes for `verifyAccessToken` (jose lib/jws_verify.js: a throw is a
 *    failed verification), and through `importDpopKey` and the signature backend's `verify`, the
 *    two calls `verifyDpopProof` makes, with both backends (Web Crypto in the core, `node:crypto`
 *    in `/node` for the token endpoint), asserting the vector's `result`.
 * 2. The exported functions: each Wycheproof class of signature (by its comment: r or s = 0, r or
 *    s >= n, the malleated ECDSA s, wrong sizes, s + L, a flipped R bit, …) applied to a real
 *    signature over a real access token or proof, ES256 and EdDSA: accepted exactly where
 *    Wycheproof says `valid`, else `AccessTokenError` `ERR_TOKEN_SIGNATURE` / `ERR_TOKEN_MALFORMED`
 *    or `DpopProofError` `invalid_dpop_proof`.
 */

const hex = (value: string) => Buffer.from(value, 'hex');

describe('Wycheproof vectors through crypto.subtle.verify (jose, verifyAccessToken)', () => {
  const run = async (file: VectorFile, algorithm: EcKeyImportParams | Algorithm, verifyAlgorithm: EcdsaParams | Algorithm) => {
    let count = 0;
    for (const group of vectorGroups(file)) {
      const key = await crypto.subtle.importKey('spki', hex(group.publicKeyDer), algorithm, false, ['verify']);
      for (const vector of group.tests) {
        expect(vector.result, `tcId ${vector.tcId}`).not.toBe('acceptable');
        let verified: boolean;
        try {
          verified = await crypto.subtle.verify(verifyAlgorithm, key, hex(vector.sig), hex(vector.msg));
        } catch {
          verified = false;
        }
        expect(verified, `tcId ${vector.tcId}: ${vector.comment} [${vector.flags.join(', ')}]`).toBe(vector.result === 'valid');
        count += 1;
      }
    }
    return count;
  };

  it('ES256 (P1363)', async () => {
    expect(await run('ecdsa_secp256r1_sha256_p1363_test.json', { name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' })).toBe(262);
  });

  it('Ed25519', async () => {
    expect(await run('ed25519_test.json', { name: 'Ed25519' }, { name: 'Ed25519' })).toBe(151);
  });
});

describe.each([
  ['Web Crypto', webDpopCrypto],
  ['node:crypto', nodeDpopCrypto],
] as [string, DpopCrypto<unknown>][])('Wycheproof vectors through importDpopKey and verify with %s (verifyDpopProof)', (_name, backend) => {
  const run = async (file: VectorFile, alg: DpopAlgorithm, algorithm: EcKeyImportParams | Algorithm) => {
    let count = 0;
    for (const group of vectorGroups(file)) {
      // The proof's key arrives as a JWK: each group's key, from its DER, as one.
      const spki = await crypto.subtle.importKey('spki', hex(group.publicKeyDer), algorithm, true, ['verify']);
      const key = await importDpopKey(await crypto.subtle.exportKey('jwk', spki), alg, backend);
      if (typeof key === 'string') throw new Error(`group key refused: ${key}`);
      for (const vector of group.tests) {
        const verified = await backend.verify(alg, key.key, new Uint8Array(hex(vector.msg)), new Uint8Array(hex(vector.sig)));
        expect(verified, `tcId ${vector.tcId}: ${vector.comment} [${vector.flags.join(', ')}]`).toBe(vector.result === 'valid');
        count += 1;
      }
    }
    return count;
  };

  it('ES256 (P1363)', async () => {
    expect(await run('ecdsa_secp256r1_sha256_p1363_test.json', 'ES256', { name: 'ECDSA', namedCurve: 'P-256' })).toBe(262);
  });

  it('Ed25519', async () => {
    expect(await run('ed25519_test.json', 'EdDSA', { name: 'Ed25519' })).toBe(151);
  });
});

describe('Wycheproof signature classes at verifyAccessToken and verifyDpopProof', () => {
  const ISSUER = 'https://as.example.com';
  const AUDIENCE = 'https://api.example.com';
  const URL_ORDERS = `${AUDIENCE}/orders`;
  const NOW_MS = Date.UTC(2026, 5, 1);
  const NOW = NOW_MS / 1000;
  let ec: CryptoKeyPair;
  let ed: CryptoKeyPair;
  let ecJwk: JWK;
  let edJwk: JWK;

  beforeAll(async () => {
    ec = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    ed = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    ecJwk = await exportJWK(ec.publicKey);
    edJwk = await exportJWK(ed.publicKey);
  });

  const cases = [
    { alg: 'ES256', file: 'ecdsa_secp256r1_sha256_p1363_test.json', transforms: P1363_TRANSFORMS },
    { alg: 'EdDSA', file: 'ed25519_test.json', transforms: ED25519_TRANSFORMS },
  ] as const;
  const signer = (alg: 'ES256' | 'EdDSA') => (header: string, payload: string) => (alg === 'ES256' ? signEs256Bytes(header, payload, ec.privateKey) : signEd25519Bytes(header, payload, ed.privateKey));
  const withSignature = (jws: string, transform: SignatureTransform) => {
    const [h, p, s] = jws.split('.') as [string, string, string];
    return `${h}.${p}.${transform.apply(Buffer.from(s, 'base64url')).toString('base64url')}`;
  };

  it.each(cases)('$alg access tokens: accepted exactly for the valid classes', async ({ alg, file, transforms }) => {
    const token = await signer(alg)(
      JSON.stringify({ alg, typ: 'at+jwt', kid: 'k1' }),
      JSON.stringify({ iss: ISSUER, sub: 'agt_1', aud: AUDIENCE, exp: NOW + 300, iat: NOW, jti: 'j1', client_id: 'agt_1' }),
    );
    const options = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], getKey: () => (alg === 'ES256' ? ec.publicKey : ed.publicKey), now: () => NOW_MS };
    await verifyAccessToken(token, options);
    for (const transform of transforms) {
      let verdict: 'valid' | 'invalid' = 'valid';
      try {
        await verifyAccessToken(withSignature(token, transform), options);
      } catch (error) {
        expect(error, transform.comment).toBeInstanceOf(AccessTokenError);
        // An empty signature segment is no compact JWS at all; every other class fails the signature.
        expect(['ERR_TOKEN_SIGNATURE', 'ERR_TOKEN_MALFORMED'], transform.comment).toContain((error as AccessTokenError).code);
        verdict = 'invalid';
      }
      expect(verdict, `${file}: "${transform.comment}"`).toBe(wycheproofVerdict(file, transform.comment));
    }
  });

  it.each(cases)('$alg DPoP proofs: accepted exactly for the valid classes', async ({ alg, file, transforms }) => {
    for (const transform of transforms) {
      const proof = await signer(alg)(JSON.stringify({ typ: 'dpop+jwt', alg, jwk: alg === 'ES256' ? ecJwk : edJwk }), JSON.stringify({ jti: crypto.randomUUID(), htm: 'GET', htu: URL_ORDERS, iat: NOW }));
      let verdict: 'valid' | 'invalid' = 'valid';
      try {
        await verifyDpopProof(withSignature(proof, transform), { method: 'GET', url: URL_ORDERS, algorithms: [alg], now: NOW_MS });
      } catch (error) {
        expect(error, transform.comment).toBeInstanceOf(DpopProofError);
        expect((error as DpopProofError).code).toBe('invalid_dpop_proof');
        verdict = 'invalid';
      }
      expect(verdict, `${file}: "${transform.comment}"`).toBe(wycheproofVerdict(file, transform.comment));
    }
  });
});
