import { calculateJwkThumbprint } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DpopProofError, verifyDpopProof, type VerifyDpopProofOptions } from '../../src/index.js';
import { ath, dpopKey, dpopProof, unsignedProof, type DpopTestKey } from './dpop-proof-fixtures.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const URL_ = 'https://as.example.com/token';
const OPTIONS: VerifyDpopProofOptions = { method: 'POST', url: URL_, algorithms: ['ES256', 'EdDSA', 'PS256'], now: NOW };

let es256: DpopTestKey;
let other: DpopTestKey;

beforeAll(async () => {
  es256 = await dpopKey('ES256');
  other = await dpopKey('ES256');
});

async function refusal(proof: string, options: Partial<VerifyDpopProofOptions> = {}): Promise<DpopProofError> {
  try {
    await verifyDpopProof(proof, { ...OPTIONS, ...options });
  } catch (error) {
    if (error instanceof DpopProofError) return error;
    throw error;
  }
  throw new Error('the proof was accepted');
}

describe('verifyDpopProof (RFC 9449 §4.3)', () => {
  it('accepts a valid proof and returns the RFC 7638 thumbprint of its key', async () => {
    const proof = await dpopProof(es256, 'POST', URL_, NOW, { claims: { jti: 'abc' } });
    const verified = await verifyDpopProof(proof, OPTIONS);
    expect(verified).toEqual({
      jkt: await calculateJwkThumbprint(es256.publicJwk),
      jti: 'abc',
      iat: Math.floor(NOW / 1000),
      htm: 'POST',
      htu: URL_,
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256', x: es256.publicJwk.x, y: es256.publicJwk.y },
    });
  });

  it.each(['EdDSA', 'PS256'] as const)('accepts %s', async (alg) => {
    const key = await dpopKey(alg);
    const verified = await verifyDpopProof(await dpopProof(key, 'POST', URL_, NOW), OPTIONS);
    expect(verified.jkt).toBe(await calculateJwkThumbprint(key.publicJwk));
  });

  it('refuses RS256 unless listed, and accepts it when listed', async () => {
    const key = await dpopKey('RS256');
    const proof = await dpopProof(key, 'POST', URL_, NOW);
    expect((await refusal(proof)).detail).toMatch(/alg "RS256" not allowed/);
    await expect(verifyDpopProof(proof, { ...OPTIONS, algorithms: ['ES256', 'RS256'] })).resolves.toMatchObject({ alg: 'RS256' });
  });

  it('refuses RS256 where it is not listed even after the same header was accepted where it is', async () => {
    // Headers that passed their checks are remembered by their text; whether the caller allows
    // the header's alg is checked on every proof, never remembered.
    const key = await dpopKey('RS256');
    const withRs256 = { ...OPTIONS, algorithms: ['RS256'] };
    await expect(verifyDpopProof(await dpopProof(key, 'POST', URL_, NOW), withRs256)).resolves.toMatchObject({ alg: 'RS256' });
    expect((await refusal(await dpopProof(key, 'POST', URL_, NOW))).detail).toMatch(/alg "RS256" not allowed/);
    await expect(verifyDpopProof(await dpopProof(key, 'POST', URL_, NOW), withRs256)).resolves.toMatchObject({ alg: 'RS256' });
  });

  it('checks each proof\u2019s signature and claims under a header it has seen before', async () => {
    await verifyDpopProof(await dpopProof(es256, 'POST', URL_, NOW), OPTIONS);
    expect((await refusal(await dpopProof(es256, 'POST', URL_, NOW, { signWith: other.privateKey }))).detail).toMatch(/signature verification failed/);
    expect((await refusal(await dpopProof(es256, 'GET', URL_, NOW))).detail).toMatch(/htm does not match/);
  });

  it('checks a header too long to be remembered in full every time, and accepts it when valid', async () => {
    const long = { header: { padding: 'p'.repeat(2_000) } };
    for (let i = 0; i < 2; i++) await expect(verifyDpopProof(await dpopProof(es256, 'POST', URL_, NOW, long), OPTIONS)).resolves.toMatchObject({ alg: 'ES256' });
    expect((await refusal(await dpopProof(es256, 'POST', URL_, NOW, { ...long, signWith: other.privateKey }))).detail).toMatch(/signature verification failed/);
  });

  it('returns the nonce when the server policy accepts it', async () => {
    const proof = await dpopProof(es256, 'POST', URL_, NOW, { claims: { nonce: 'n-1' } });
    const seen: (string | undefined)[] = [];
    const verified = await verifyDpopProof(proof, { ...OPTIONS, expectedNonce: (n) => (seen.push(n), 'ok') });
    expect(verified.nonce).toBe('n-1');
    expect(seen).toEqual(['n-1']);
  });

  it('accepts extra claims and header members it does not know (RFC 7519 §4)', async () => {
    const proof = await dpopProof(es256, 'POST', URL_, NOW, { header: { kid: 'x' }, claims: { extra: { nested: true }, scope: 'a' } });
    await expect(verifyDpopProof(proof, OPTIONS)).resolves.toMatchObject({ htm: 'POST' });
  });

  describe('htu comparison (RFC 9449 §4.3 check 9, RFC 3986 §6.2.2, §6.2.3)', () => {
    it.each([
      ['upper-case scheme and host', 'HTTPS://AS.Example.COM/token'],
      ['an explicit default port', 'https://as.example.com:443/token'],
      ['a query', 'https://as.example.com/token?a=1'],
      ['a fragment', 'https://as.example.com/token#f'],
      ['a percent-encoded unreserved character', 'https://as.example.com/%74oken'],
      ['a dot segment', 'https://as.example.com/x/../token'],
    ])('accepts %s', async (_name, htu) => {
      await expect(verifyDpopProof(await dpopProof(es256, 'POST', htu, NOW), OPTIONS)).resolves.toMatchObject({ htu });
    });

    it('ignores the query of the request URL too, and normalises it the same way', async () => {
      const proof = await dpopProof(es256, 'POST', 'https://as.example.com/token', NOW);
      await expect(verifyDpopProof(proof, { ...OPTIONS, url: 'https://AS.example.com:443/token?x=y' })).resolves.toBeDefined();
    });

    it('compares percent-encoding hex digits case-insensitively but keeps reserved characters encoded', async () => {
      const url = 'https://as.example.com/a%2Fb';
      await expect(verifyDpopProof(await dpopProof(es256, 'POST', 'https://as.example.com/a%2fb', NOW), { ...OPTIONS, url })).resolves.toBeDefined();
      const decoded = await dpopProof(es256, 'POST', 'https://as.example.com/a/b', NOW);
      expect((await refusal(decoded, { url })).detail).toBe('htu does not match the request URL');
    });

    it.each([
      ['another path', 'https://as.example.com/token2'],
      ['another host', 'https://evil.example.com/token'],
      ['another scheme', 'http://as.example.com/token'],
      ['another port', 'https://as.example.com:8443/token'],
      ['user information', 'https://user@as.example.com/token'],
      ['a trailing slash', 'https://as.example.com/token/'],
      ['a relative reference', '/token'],
      ['white space the URL parser would strip', 'https://as.example.com/to\tken'],
      ['a backslash', 'https://as.example.com\\token'],
    ])('refuses %s', async (_name, htu) => {
      expect((await refusal(await dpopProof(es256, 'POST', htu, NOW))).detail).toBe('htu does not match the request URL');
    });
  });

  describe('refusals, each invalid_dpop_proof', () => {
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['a malformed JWT', async () => 'not.a-jwt', /not a compact JWS|not a JSON object/],
      ['two segments', async () => (await dpopProof(es256, 'POST', URL_, NOW)).split('.').slice(0, 2).join('.'), /not a compact JWS/],
      ['a missing typ', () => dpopProof(es256, 'POST', URL_, NOW, { header: { typ: undefined } }), /typ/],
      ['typ JWT', () => dpopProof(es256, 'POST', URL_, NOW, { header: { typ: 'JWT' } }), /typ/],
      ['typ in another case', () => dpopProof(es256, 'POST', URL_, NOW, { header: { typ: 'DPoP+JWT' } }), /typ/],
      ['alg none', async () => unsignedProof({ typ: 'dpop+jwt', alg: 'none', jwk: es256.publicJwk }, { jti: 'a', htm: 'POST', htu: URL_, iat: NOW / 1000 }, 'AA'), /alg "none" not allowed/],
      ['alg none without a signature', async () => unsignedProof({ typ: 'dpop+jwt', alg: 'none', jwk: es256.publicJwk }, { jti: 'a', htm: 'POST', htu: URL_, iat: NOW / 1000 }), /not a compact JWS/],
      ['HMAC', () => dpopProof(es256, 'POST', URL_, NOW, { header: { alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } }, signWith: new TextEncoder().encode('secret') }), /alg "HS256" not allowed/],
      ['a bad signature', () => dpopProof(es256, 'POST', URL_, NOW, { signWith: other.privateKey }), /signature verification failed/],
      ['a private key in jwk', () => dpopProof(es256, 'POST', URL_, NOW, { header: { jwk: es256.privateJwk } }), /private member d/],
      ['a symmetric key in jwk', () => dpopProof(es256, 'POST', URL_, NOW, { header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } }), /private member k/],
      ['no jwk', () => dpopProof(es256, 'POST', URL_, NOW, { header: { jwk: undefined } }), /jwk header missing/],
      ['a jwk of another type than alg', async () => dpopProof(es256, 'POST', URL_, NOW, { header: { jwk: (await dpopKey('EdDSA')).publicJwk } }), /does not fit alg/],
      ['a jwk off the curve', () => dpopProof(es256, 'POST', URL_, NOW, { header: { jwk: { ...es256.publicJwk, y: other.publicJwk.y } } }), /not a valid public key/],
      ['a crit header', async () => unsignedProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: es256.publicJwk, crit: ['x'], x: 1 }, { jti: 'a', htm: 'POST', htu: URL_, iat: NOW / 1000 }, 'AA'), /crit/],
      ['a missing jti', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { jti: undefined } }), /jti missing/],
      ['a missing htm', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { htm: undefined } }), /htm missing/],
      ['a missing htu', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { htu: undefined } }), /htu missing/],
      ['a missing iat', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { iat: undefined } }), /iat missing/],
      ['iat as a string', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { iat: String(NOW / 1000) } }), /iat missing/],
      ['a wrong htm', () => dpopProof(es256, 'GET', URL_, NOW), /htm does not match/],
      ['htm in lower case', () => dpopProof(es256, 'post', URL_, NOW), /htm does not match/],
      ['iat an hour ago', () => dpopProof(es256, 'POST', URL_, NOW - 3_600_000), /iat too old/],
      ['iat an hour ahead', () => dpopProof(es256, 'POST', URL_, NOW + 3_600_000), /iat in the future/],
      ['iat 61 s ago', () => dpopProof(es256, 'POST', URL_, NOW - 61_000), /iat too old/],
      ['iat 31 s ahead', () => dpopProof(es256, 'POST', URL_, NOW + 31_000), /iat in the future/],
      ['an oversized proof', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { padding: 'x'.repeat(9_000) } }), /longer than 8192/],
      ['a jti over 256 characters', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { jti: 'j'.repeat(257) } }), /jti too long/],
      ['a nonce that is not a string', () => dpopProof(es256, 'POST', URL_, NOW, { claims: { nonce: 42 } }), /nonce is not a string/],
    ];
    it.each(cases)('refuses %s', async (_name, make, detail) => {
      const error = await refusal(await make());
      expect(error.code).toBe('invalid_dpop_proof');
      expect(error.message).toBe('DPoP proof is invalid');
      expect(error.detail).toMatch(detail);
    });

    it('accepts iat exactly at both ends of the window', async () => {
      await expect(verifyDpopProof(await dpopProof(es256, 'POST', URL_, NOW - 60_000), OPTIONS)).resolves.toBeDefined();
      await expect(verifyDpopProof(await dpopProof(es256, 'POST', URL_, NOW + 30_000), OPTIONS)).resolves.toBeDefined();
    });

    it('honours a configured size bound and window', async () => {
      const proof = await dpopProof(es256, 'POST', URL_, NOW - 20_000);
      expect((await refusal(proof, { maxLength: 100 })).detail).toMatch(/longer than 100/);
      expect((await refusal(proof, { maxAgeSeconds: 10 })).detail).toBe('iat too old');
    });

    it('never puts the proof or key material in the message or the detail', async () => {
      const proof = await dpopProof(es256, 'POST', URL_, NOW, { header: { jwk: es256.privateJwk } });
      const error = await refusal(proof);
      for (const text of [error.message, error.detail]) {
        expect(text).not.toContain(es256.privateJwk.d);
        expect(text).not.toContain(proof.slice(0, 20));
      }
    });
  });

  describe('ath (RFC 9449 §4.3 check 12, §7.1)', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.access.token';
    it('accepts a proof whose ath is the hash of the presented token', async () => {
      const proof = await dpopProof(es256, 'GET', 'https://api.example.com/orders', NOW, { claims: { ath: ath(token) } });
      await expect(verifyDpopProof(proof, { ...OPTIONS, method: 'GET', url: 'https://api.example.com/orders?id=1', accessToken: token })).resolves.toBeDefined();
    });
    it('refuses a missing ath and one for another token', async () => {
      const options = { method: 'GET', url: 'https://api.example.com/orders', accessToken: token };
      const missing = await dpopProof(es256, 'GET', 'https://api.example.com/orders', NOW);
      expect((await refusal(missing, options)).detail).toBe('ath missing');
      const wrong = await dpopProof(es256, 'GET', 'https://api.example.com/orders', NOW, { claims: { ath: ath('another token') } });
      expect((await refusal(wrong, options)).detail).toBe('ath does not match the access token');
    });
  });

  describe('nonce (RFC 9449 §8)', () => {
    it('answers use_dpop_nonce for a missing or a stale nonce', async () => {
      const check = (nonce: string | undefined) => (nonce === undefined ? 'missing' : nonce === 'good' ? 'ok' : 'invalid');
      const missing = await refusal(await dpopProof(es256, 'POST', URL_, NOW), { expectedNonce: check });
      expect([missing.code, missing.detail]).toEqual(['use_dpop_nonce', 'nonce required']);
      const stale = await refusal(await dpopProof(es256, 'POST', URL_, NOW, { claims: { nonce: 'old' } }), { expectedNonce: check });
      expect([stale.code, stale.detail]).toEqual(['use_dpop_nonce', 'nonce stale or unknown']);
      await expect(verifyDpopProof(await dpopProof(es256, 'POST', URL_, NOW, { claims: { nonce: 'good' } }), { ...OPTIONS, expectedNonce: check })).resolves.toBeDefined();
    });
    it('prefers invalid_dpop_proof when the proof is also bad, so a nonce is never handed to a forger', async () => {
      const proof = await dpopProof(es256, 'POST', URL_, NOW, { signWith: other.privateKey });
      expect((await refusal(proof, { expectedNonce: () => 'missing' })).code).toBe('invalid_dpop_proof');
    });
  });

  describe('programmer misuse throws TypeError', () => {
    it.each<[string, Partial<VerifyDpopProofOptions>]>([
      ['a relative url', { url: '/token' }],
      ['HMAC in the allow-list', { algorithms: ['HS256'] }],
      ['none in the allow-list', { algorithms: ['none'] }],
      ['an empty allow-list', { algorithms: [] }],
      ['a negative window', { maxAgeSeconds: -1 }],
      ['a method with a space', { method: 'PO ST' }],
      ['now not a number', { now: Number.NaN }],
    ])('%s', async (_name, options) => {
      const proof = await dpopProof(es256, 'POST', URL_, NOW);
      await expect(verifyDpopProof(proof, { ...OPTIONS, ...options })).rejects.toBeInstanceOf(TypeError);
    });
  });
});
