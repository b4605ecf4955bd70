import { createPublicKey } from 'node:crypto';
import { SIGNING_ALGS } from '@agentauth/protocol';
import { calculateJwkThumbprint, compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, RSA_MODULUS_BITS } from '../../src/keys/generate-signing-key.js';
import { createTokenSigner } from '../../src/keys/token-signer.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('generateSigningKey', () => {
  it.each(SIGNING_ALGS)('%s: publishes a public JWK named by its RFC 7638 thumbprint', async (alg) => {
    const key = await generateSigningKey(alg);
    expect(key.publicJwk).toMatchObject({ use: 'sig', alg, kid: key.kid });
    for (const member of PRIVATE_MEMBERS) expect(key.publicJwk).not.toHaveProperty(member);
    expect(await calculateJwkThumbprint(key.publicJwk, 'sha256')).toBe(key.kid);
    expect(key.privateKey.type).toBe('private');
    const expected = { ES256: { kty: 'EC', crv: 'P-256' }, EdDSA: { kty: 'OKP', crv: 'Ed25519' }, PS256: { kty: 'RSA' } }[alg];
    expect(key.publicJwk).toMatchObject(expected);
  });

  it('uses an RSA modulus of at least 2048 bits for PS256 (RFC 7518 §3.5)', async () => {
    const key = await generateSigningKey('PS256');
    expect(RSA_MODULUS_BITS).toBeGreaterThanOrEqual(2048);
    expect(createPublicKey(key.privateKey).asymmetricKeyDetails?.modulusLength).toBe(RSA_MODULUS_BITS);
  });

  it('never repeats a key', async () => {
    const kids = new Set(await Promise.all(Array.from({ length: 5 }, async () => (await generateSigningKey('ES256')).kid)));
    expect(kids.size).toBe(5);
  });

  it('refuses an algorithm outside the allow-list', async () => {
    await expect(generateSigningKey('HS256' as never)).rejects.toThrow(TypeError);
  });
});

describe('createTokenSigner', () => {
  it.each(SIGNING_ALGS)('%s: produces JWS signatures that jose verifies with the published JWK', async (alg) => {
    const key = await generateSigningKey(alg);
    const signer = createTokenSigner(key.kid, alg, key.privateKey);
    const input = `${Buffer.from(JSON.stringify({ alg, kid: key.kid })).toString('base64url')}.${Buffer.from('{"a":1}').toString('base64url')}`;
    const signature = signer.sign(Buffer.from(input));
    if (alg !== 'PS256') expect(signature.length).toBe(64);
    const verified = await compactVerify(`${input}.${signature.toString('base64url')}`, await importJWK(key.publicJwk, alg), { algorithms: [alg] });
    expect(new TextDecoder().decode(verified.payload)).toBe('{"a":1}');
  });

  it('refuses a public key', async () => {
    const key = await generateSigningKey('ES256');
    expect(() => createTokenSigner(key.kid, 'ES256', createPublicKey(key.privateKey))).toThrow(TypeError);
  });
});
