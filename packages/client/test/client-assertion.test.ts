import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';

import { createClientAssertion } from '../src/index.js';

const ISSUER = 'https://as.example.com';
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

async function keyPair(alg: 'ES256' | 'EdDSA' | 'PS256') {
  const pair = await generateKeyPair(alg, { extractable: true });
  return { ...pair, privateJwk: await exportJWK(pair.privateKey), publicJwk: await exportJWK(pair.publicKey) };
}

describe('createClientAssertion (RFC 7523 §3)', () => {
  it.each(['ES256', 'EdDSA', 'PS256'] as const)('signs an assertion with %s that verifies with the public key', async (alg) => {
    const { privateJwk, publicKey } = await keyPair(alg);
    const assertion = await createClientAssertion({ clientId: 'agt_1', audience: ISSUER, key: privateJwk, alg, kid: 'k1', now: () => NOW });
    const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
      issuer: 'agt_1',
      subject: 'agt_1',
      audience: ISSUER,
      currentDate: new Date(NOW),
      algorithms: [alg],
    });
    expect(protectedHeader).toEqual({ alg, kid: 'k1' });
    expect(payload.iat).toBe(NOW / 1000);
    expect(payload.exp).toBe(NOW / 1000 + 60);
  });

  it('puts iss = sub = client id, aud = the issuer exactly, and no typ header', async () => {
    const { privateKey } = await keyPair('ES256');
    const assertion = await createClientAssertion({ clientId: 'agt_x', audience: ISSUER, key: privateKey, alg: 'ES256', now: () => NOW + 999 });
    const claims = decodeJwt(assertion);
    expect(claims).toMatchObject({ iss: 'agt_x', sub: 'agt_x', aud: ISSUER, iat: NOW / 1000, exp: NOW / 1000 + 60 });
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256' });
  });

  it('gives every assertion a different jti of at least 128 bits', async () => {
    const { privateKey } = await keyPair('ES256');
    const jtis = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { jti } = decodeJwt(await createClientAssertion({ clientId: 'agt_1', audience: ISSUER, key: privateKey, alg: 'ES256', now: () => NOW }));
      expect(typeof jti).toBe('string');
      expect(Buffer.from(jti as string, 'base64url').length).toBeGreaterThanOrEqual(16);
      jtis.add(jti as string);
    }
    expect(jtis.size).toBe(50);
  });

  it('honours lifetimeSeconds up to 300 and refuses longer or non-integer lifetimes', async () => {
    const { privateKey } = await keyPair('ES256');
    const base = { clientId: 'agt_1', audience: ISSUER, key: privateKey, alg: 'ES256' as const, now: () => NOW };
    expect(decodeJwt(await createClientAssertion({ ...base, lifetimeSeconds: 300 })).exp).toBe(NOW / 1000 + 300);
    await expect(createClientAssertion({ ...base, lifetimeSeconds: 301 })).rejects.toThrow(TypeError);
    await expect(createClientAssertion({ ...base, lifetimeSeconds: 0 })).rejects.toThrow(TypeError);
    await expect(createClientAssertion({ ...base, lifetimeSeconds: 1.5 })).rejects.toThrow(TypeError);
  });

  it('accepts an http issuer on loopback', async () => {
    const { privateKey } = await keyPair('ES256');
    const assertion = await createClientAssertion({ clientId: 'agt_1', audience: 'http://127.0.0.1:8080', key: privateKey, alg: 'ES256' });
    expect(decodeJwt(assertion).aud).toBe('http://127.0.0.1:8080');
  });

  describe('misuse throws TypeError', () => {
    it.each([
      ['a missing audience', { audience: undefined }],
      ['an empty client id', { clientId: '' }],
      ['a plain http issuer off loopback', { audience: 'http://as.example.com' }],
      ['a relative issuer', { audience: '/issuer' }],
      ['an issuer with a query', { audience: 'https://as.example.com?x=1' }],
      ['an issuer with a fragment', { audience: 'https://as.example.com#f' }],
      ['an unknown alg', { alg: 'HS256' }],
      ['alg none', { alg: 'none' }],
      ['an empty kid', { kid: '' }],
    ])('%s', async (_name, override) => {
      const { privateJwk } = await keyPair('ES256');
      const options = { clientId: 'agt_1', audience: ISSUER, key: privateJwk, alg: 'ES256', ...override };
      await expect(createClientAssertion(options as never)).rejects.toThrow(TypeError);
    });

    it('rejects a public key, a key of the wrong type, a symmetric key and junk', async () => {
      const es = await keyPair('ES256');
      const ed = await keyPair('EdDSA');
      const base = { clientId: 'agt_1', audience: ISSUER, alg: 'ES256' as const };
      await expect(createClientAssertion({ ...base, key: es.publicJwk })).rejects.toThrow(TypeError);
      await expect(createClientAssertion({ ...base, key: es.publicKey })).rejects.toThrow(TypeError);
      await expect(createClientAssertion({ ...base, key: ed.privateJwk })).rejects.toThrow(TypeError);
      await expect(createClientAssertion({ ...base, key: ed.privateKey })).rejects.toThrow(TypeError);
      await expect(createClientAssertion({ ...base, key: { ...es.privateJwk, alg: 'ES384' } })).rejects.toThrow(TypeError);
      await expect(createClientAssertion({ ...base, key: { kty: 'oct', k: 'c2VjcmV0', d: 'x' } })).rejects.toThrow(TypeError);
      await expect(createClientAssertion({ ...base, key: 'not a key' as never })).rejects.toThrow(TypeError);
    });

    it('never puts the private key into the error', async () => {
      const { privateJwk } = await keyPair('ES256');
      // A private JWK with a corrupt public part: import fails after reading "d".
      const corrupt: JWK = { ...privateJwk, x: 'AAAA' };
      const error = await createClientAssertion({ clientId: 'agt_1', audience: ISSUER, key: corrupt, alg: 'ES256' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      const seen = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error) + String((error as Error).stack);
      expect(seen).not.toContain(privateJwk.d);
    });
  });
});
