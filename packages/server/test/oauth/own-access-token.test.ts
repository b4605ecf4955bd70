import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '@agentauth/protocol';
import { errors as joseErrors, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { checkOwnAccessToken, PresentedToken, verifyOwnAccessToken } from '../../src/oauth/own-access-token.js';
import type { TokenState } from '../../src/store/ports/token-store.js';
import { createTokenDigester } from '../../src/tokens/token-digest.js';
import { ISSUER, startTestServer, type TestServer } from '../support/test-server.js';

/** jose as the reference: how a generic, well-kept JOSE library decides the same token. */
async function joseDecision(token: string, deps: { issuer: string; keys: TestServer['server']['deps']['keys']; nowMs: number }): Promise<'valid' | 'expired' | 'invalid'> {
  try {
    const [header] = token.split('.');
    const kid = (JSON.parse(Buffer.from(header ?? '', 'base64url').toString()) as { kid?: string }).kid;
    const published = kid === undefined ? undefined : deps.keys.publicKey(kid);
    if (published === undefined) return 'invalid';
    if (token.length > 8 * 1024) return 'invalid';
    await jwtVerify(token, published.key, {
      issuer: deps.issuer,
      typ: ACCESS_TOKEN_TYP,
      algorithms: [published.alg],
      clockTolerance: 5,
      currentDate: new Date(deps.nowMs),
      requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
    });
    return 'valid';
  } catch (error) {
    return error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
  }
}

/**
 * Our node:crypto verifier of our own access tokens (introspection, revocation, token exchange)
 * must decide exactly as jose does, over valid and hostile tokens signed by the server's real key.
 */
const digester = createTokenDigester(Buffer.alloc(32, 7));

describe('verifyOwnAccessToken agrees with jose', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(async () => t?.close());

  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  function signed(header: Record<string, unknown>, claims: Record<string, unknown>): string {
    const signer = t.server.deps.keys.signer();
    const input = `${b64({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid, ...header })}.${b64(claims)}`;
    return `${input}.${signer.sign(Buffer.from(input, 'latin1')).toString('base64url')}`;
  }
  function claims(overrides: Partial<Record<keyof AccessTokenClaims, unknown>> = {}): Record<string, unknown> {
    const iat = Math.floor(t.clock.now() / 1000);
    const base: Record<string, unknown> = { iss: ISSUER, sub: 'agt_a', aud: 'https://api.example.com', exp: iat + 300, iat, nbf: iat, jti: 'j1', client_id: 'agt_a', scope: 'x', ...overrides };
    for (const [name, value] of Object.entries(base)) if (value === undefined) delete base[name];
    return base;
  }

  const cases: [string, () => Promise<string> | string, 'valid' | 'expired' | 'invalid'][] = [
    ['a valid token', () => signed({}, claims()), 'valid'],
    ['a valid token with an array aud and act', () => signed({}, claims({ aud: ['https://a.example', 'https://b.example'], act: { sub: 'agt_b' } })), 'valid'],
    ['expired', () => signed({}, claims({ exp: Math.floor(t.clock.now() / 1000) - 10 })), 'expired'],
    ['expired within the skew', () => signed({}, claims({ exp: Math.floor(t.clock.now() / 1000) - 2 })), 'valid'],
    ['nbf in the future', () => signed({}, claims({ nbf: Math.floor(t.clock.now() / 1000) + 60 })), 'invalid'],
    ['another issuer', () => signed({}, claims({ iss: 'https://other.example' })), 'invalid'],
    ['typ JWT', () => signed({ typ: 'JWT' }, claims()), 'invalid'],
    ['no typ', () => signed({ typ: undefined }, claims()), 'invalid'],
    ['crit header', () => signed({ crit: ['x'], x: 1 }, claims()), 'invalid'],
    ['alg none, unsigned', () => `${b64({ alg: 'none', typ: 'at+jwt', kid: t.server.deps.keys.signer().kid })}.${b64(claims())}.`, 'invalid'],
    ['header alg other than the key\u2019s', () => signed({ alg: 'EdDSA' }, claims()), 'invalid'],
    ['unknown kid', () => signed({ kid: 'nope' }, claims()), 'invalid'],
    [
      'signed by another key with our kid',
      async () => new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: t.server.deps.keys.signer().kid }).sign((await generateKeyPair('ES256')).privateKey),
      'invalid',
    ],
    ['tampered claims', () => { const [h, , s] = signed({}, claims()).split('.'); return `${h}.${b64(claims({ scope: 'admin' }))}.${s}`; }, 'invalid'],
    ['no client_id', () => signed({}, claims({ client_id: undefined })), 'invalid'],
    ['no jti', () => signed({}, claims({ jti: undefined })), 'invalid'],
    ['no aud', () => signed({}, claims({ aud: undefined })), 'invalid'],
    ['no exp', () => signed({}, claims({ exp: undefined })), 'invalid'],
    ['garbage', () => 'not.a.token', 'invalid'],
    ['oversized', () => signed({}, claims({ scope: 'x'.repeat(9000) })), 'invalid'],
  ];

  it.each(cases)('%s', async (_name, make, expected) => {
    const token = await make();
    const deps = { issuer: ISSUER, keys: t.server.deps.keys, nowMs: t.clock.now() };
    expect(verifyOwnAccessToken(token, deps).status).toBe(expected);
    expect(await joseDecision(token, deps)).toBe(expected);
    // Without a kept digest, checkOwnAccessToken verifies the signature and decides the same.
    const unknown = { getTokenState: async (): Promise<TokenState> => ({ issued: undefined, revoked: false, agent: undefined }) };
    expect((await checkOwnAccessToken(PresentedToken.of(token), { ...deps, tokens: unknown, digester })).result.status).toBe(expected);
  });

  describe('checkOwnAccessToken with the digest kept at issuance', () => {
    const record = (token: string, jti = 'j1', by = digester): TokenState => ({
      issued: { jti, agentId: 'agt_a', clientId: 'agt_a', issuedAt: t.clock.now(), expiresAt: t.clock.now() + 300_000, parentJti: null, tokenDigest: by.digest(token) },
      revoked: false,
      agent: undefined,
    });
    const deps = () => ({ issuer: ISSUER, keys: t.server.deps.keys, nowMs: t.clock.now(), digester });
    const withState = (state: TokenState) => ({ ...deps(), tokens: { getTokenState: async () => state } });
    const check = (token: string, state: TokenState) => checkOwnAccessToken(PresentedToken.of(token), withState(state));
    // A key ring that fails every signature: only the kept digest can make a token valid with it.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const wrongKeys = { publicKey: (kid: string) => (t.server.deps.keys.publicKey(kid) ? { key: other, alg: 'ES256' as const } : undefined) };
    const checkWithWrongKeys = (token: string, state: TokenState) => checkOwnAccessToken(PresentedToken.of(token), { ...withState(state), keys: wrongKeys });

    it('recognises the token by its digest, without verifying the signature again', async () => {
      const token = signed({}, claims());
      const state = record(token);
      expect((await checkWithWrongKeys(token, state)).result.status).toBe('valid');
      expect(verifyOwnAccessToken(token, { ...deps(), keys: wrongKeys }).status).toBe('invalid');
      expect((await check(token, state)).state).toBe(state);
    });

    it('falls back to the signature when the digest does not match: write access to the database is not enough', async () => {
      const issued = signed({}, claims());
      // A row whose digest was computed without the master key (what a database writer could store).
      const forged = createTokenDigester(Buffer.alloc(32, 9));
      const unsigned = `${issued.split('.').slice(0, 2).join('.')}.${Buffer.alloc(64).toString('base64url')}`;
      expect((await check(unsigned, record(unsigned, 'j1', forged))).result).toEqual({ status: 'invalid', reason: 'signature verification failed' });
      // Another token of ours naming the same jti is decided by its signature, as without digests.
      const twin = signed({}, claims({ scope: 'admin' }));
      expect((await check(twin, record(issued))).result.status).toBe('valid');
      expect((await checkWithWrongKeys(twin, record(issued))).result.status).toBe('invalid');
    });

    it('still applies every other check to a token it recognises', async () => {
      const expired = signed({}, claims({ exp: Math.floor(t.clock.now() / 1000) - 10 }));
      expect((await check(expired, record(expired))).result.status).toBe('expired');
      const foreign = signed({}, claims({ iss: 'https://other.example' }));
      expect((await check(foreign, record(foreign))).result).toEqual({ status: 'invalid', reason: 'unexpected iss' });
      const unpublished = signed({ kid: 'retired-and-gone' }, claims());
      expect((await check(unpublished, record(unpublished))).result).toEqual({ status: 'invalid', reason: 'unknown kid' });
    });

    it('verifies the signature when the record keeps no digest (issued before digests were kept)', async () => {
      const token = signed({}, claims());
      const legacy = record(token);
      if (legacy.issued) legacy.issued.tokenDigest = null;
      expect((await check(token, legacy)).result.status).toBe('valid');
      const [h, , sig] = token.split('.');
      const tampered = `${h}.${b64(claims({ scope: 'admin' }))}.${sig}`;
      expect((await check(tampered, legacy)).result).toEqual({ status: 'invalid', reason: 'signature verification failed' });
    });

    it('never reads the store for a jti no token of ours can have', async () => {
      const read: string[] = [];
      const tokens = { getTokenState: async (jti: string): Promise<TokenState> => (read.push(jti), { issued: undefined, revoked: false, agent: undefined }) };
      for (const jti of ['a\u0000b', 'x'.repeat(65), 'has space', '']) {
        const token = signed({}, claims({ jti }));
        expect((await checkOwnAccessToken(PresentedToken.of(token), { ...deps(), tokens })).result).toEqual({ status: 'invalid', reason: 'jti missing or not one of ours' });
      }
      expect(read).toEqual([]);
    });
  });
});
