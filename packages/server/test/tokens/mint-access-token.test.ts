import type { AccessTokenClaims } from '@agentauth/protocol';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, type GeneratedSigningKey } from '../../src/keys/generate-signing-key.js';
import type { TokenSigner } from '../../src/tokens/token-signer.js';
import { createTokenSigner } from '../../src/keys/token-signer.js';
import { assertWellFormedAccessToken, MalformedIssuedTokenError } from '../../src/tokens/assert-well-formed-access-token.js';
import { MAX_ACCESS_TOKEN_TTL } from '../../src/tokens/limits.js';
import { mintAccessToken } from '../../src/tokens/mint-access-token.js';

const ISSUER = 'https://as.example.com';
const NOW = Math.floor(Date.UTC(2026, 0, 1) / 1000);

let key: GeneratedSigningKey;
let signer: TokenSigner;

beforeAll(async () => {
  key = await generateSigningKey('ES256');
  signer = createTokenSigner(key.kid, 'ES256', key.privateKey);
});

function claims(overrides: Partial<Record<keyof AccessTokenClaims, unknown>> = {}): AccessTokenClaims {
  return {
    iss: ISSUER,
    sub: 'agent-1',
    aud: 'https://api.example.com',
    exp: NOW + 300,
    iat: NOW,
    nbf: NOW,
    jti: 'b3b1c1f2',
    client_id: 'agent-1',
    scope: 'read',
    ...overrides,
  } as AccessTokenClaims;
}

const expected = () => ({ alg: 'ES256' as const, kid: key.kid, issuer: ISSUER });

/** Replaces one segment of a token, keeping the others. */
function withSegment(jwt: string, index: number, value: unknown): string {
  const parts = jwt.split('.');
  parts[index] = Buffer.from(JSON.stringify(value)).toString('base64url');
  return parts.join('.');
}

describe('mintAccessToken (RFC 9068 §2)', () => {
  it('builds a compact JWS with header {alg, typ: at+jwt, kid} that jose verifies', async () => {
    const jwt = mintAccessToken(signer, claims());
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: key.kid });
    const { payload } = await jwtVerify(jwt, await importJWK(key.publicJwk, 'ES256'), {
      typ: 'at+jwt',
      issuer: ISSUER,
      audience: 'https://api.example.com',
      currentDate: new Date(NOW * 1000),
      algorithms: ['ES256'],
    });
    expect(payload).toEqual(claims());
  });

  it.each(['EdDSA', 'PS256'] as const)('signs with %s', async (alg) => {
    const other = await generateSigningKey(alg);
    const jwt = mintAccessToken(createTokenSigner(other.kid, alg, other.privateKey), claims());
    await expect(jwtVerify(jwt, await importJWK(other.publicJwk, alg), { currentDate: new Date(NOW * 1000) })).resolves.toBeDefined();
    expect(decodeProtectedHeader(jwt)).toEqual({ alg, typ: 'at+jwt', kid: other.kid });
  });

  it('passes its own well-formedness check', () => {
    expect(() => assertWellFormedAccessToken(mintAccessToken(signer, claims()), expected())).not.toThrow();
    expect(() => assertWellFormedAccessToken(mintAccessToken(signer, claims({ aud: ['https://a.example', 'https://b.example'] })), expected())).not.toThrow();
  });
});

describe('assertWellFormedAccessToken (what we mint is checked before it leaves)', () => {
  const fails = (jwt: string, reason: RegExp, exp = expected()) => {
    let error: unknown;
    try {
      assertWellFormedAccessToken(jwt, exp);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MalformedIssuedTokenError);
    expect((error as MalformedIssuedTokenError).reason).toMatch(reason);
    // The reason names the invariant, never the token or a claim value.
    expect((error as Error).message).not.toContain(jwt.split('.')[1]);
  };

  it.each([
    ['exp not after iat', { exp: NOW }, /exp not after iat/],
    ['nbf after iat', { nbf: NOW + 1 }, /nbf after iat/],
    ['a lifetime above the maximum', { exp: NOW + MAX_ACCESS_TOKEN_TTL + 1 }, /lifetime/],
    ['an empty sub', { sub: '' }, /sub/],
    ['a missing jti', { jti: undefined }, /jti/],
    ['a missing client_id', { client_id: undefined }, /client_id/],
    ['an empty aud', { aud: '' }, /aud/],
    ['an empty aud array', { aud: [] }, /aud/],
    ['a fractional iat', { iat: NOW + 0.5 }, /NumericDate/],
    ['a foreign iss', { iss: 'https://other.example' }, /iss/],
    ['a non-string scope', { scope: ['read'] }, /scope/],
  ])('catches %s', (_name, overrides, reason) => {
    fails(mintAccessToken(signer, claims(overrides)), reason);
  });

  it('catches a header that is not exactly {alg, typ: at+jwt, kid}', () => {
    const jwt = mintAccessToken(signer, claims());
    fails(withSegment(jwt, 0, { alg: 'ES256', typ: 'JWT', kid: key.kid }), /header/);
    fails(withSegment(jwt, 0, { alg: 'ES256', typ: 'at+jwt', kid: key.kid, jku: 'https://x' }), /header/);
    fails(withSegment(jwt, 0, { alg: 'EdDSA', typ: 'at+jwt', kid: key.kid }), /alg/);
    fails(jwt, /kid/, { ...expected(), kid: 'other' });
  });

  it('catches a truncated signature, a non-compact token and an oversized one', () => {
    const jwt = mintAccessToken(signer, claims());
    fails(jwt.slice(0, -4), /signature/);
    fails(jwt.split('.').slice(0, 2).join('.'), /compact/);
    fails(`${jwt}.x`, /compact/);
    fails(mintAccessToken(signer, claims({ scope: 'a'.repeat(8192) })), /too large/);
  });
});
