import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import type { AccessTokenClaims, SigningAlg } from '@agentauth/protocol';
import { createLocalJWKSet, exportJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenError, verifyAccessToken, type AccessTokenErrorCode, type VerifyAccessTokenOptions } from '../src/index.js';
// The server mints the tokens this SDK checks: test against the real thing (relative import:
// the SDK itself never imports the server).
import { generateSigningKey } from '../../server/src/keys/generate-signing-key.js';
import type { TokenSigner } from '../../server/src/tokens/token-signer.js';
import { createTokenSigner } from '../../server/src/keys/token-signer.js';
import { mintAccessToken } from '../../server/src/tokens/mint-access-token.js';

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const NOW_MS = Date.UTC(2026, 0, 1, 12);
const NOW = NOW_MS / 1000;

interface TestKey {
  signer: TokenSigner;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const keys = new Map<SigningAlg, TestKey>();
let attacker: TestKey;

async function makeKey(alg: SigningAlg): Promise<TestKey> {
  const key = await generateSigningKey(alg);
  return { signer: createTokenSigner(key.kid, alg, key.privateKey), publicKey: createPublicKey(key.privateKey), privateKey: key.privateKey };
}

beforeAll(async () => {
  for (const alg of ['ES256', 'EdDSA', 'PS256'] as const) keys.set(alg, await makeKey(alg));
  attacker = await makeKey('ES256');
});

const es256 = (): TestKey => keys.get('ES256') as TestKey;

function claims(overrides: Partial<Record<keyof AccessTokenClaims, unknown>> = {}): AccessTokenClaims {
  return {
    iss: ISSUER,
    sub: 'agent-1',
    aud: AUDIENCE,
    exp: NOW + 300,
    iat: NOW,
    nbf: NOW,
    jti: 'jti-1',
    client_id: 'agent-1',
    scope: 'read write',
    ...overrides,
  } as AccessTokenClaims;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS with any header, signed by `signer`: how an attacker would build one. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown> | AccessTokenClaims, signer: TokenSigner = es256().signer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer.sign(Buffer.from(input)).toString('base64url')}`;
}

function options(overrides: Partial<VerifyAccessTokenOptions> = {}): VerifyAccessTokenOptions {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256', 'EdDSA', 'PS256'],
    getKey: ({ kid }) => [...keys.values()].find((key) => key.signer.kid === kid)?.publicKey,
    now: () => NOW_MS,
    ...overrides,
  };
}

async function refusal(token: string, opts: VerifyAccessTokenOptions = options()): Promise<AccessTokenErrorCode> {
  try {
    await verifyAccessToken(token, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(AccessTokenError);
    const { code, message } = error as AccessTokenError;
    // The message is fixed: no part of the token leaks into logs through it.
    for (const part of token.split('.')) if (part.length > 8) expect(message).not.toContain(part);
    return code;
  }
  throw new Error('token was accepted');
}

describe('verifyAccessToken: tokens minted by the server (RFC 9068 §2)', () => {
  it.each(['ES256', 'EdDSA', 'PS256'] as const)('accepts a %s token and returns its claims, header and scopes', async (alg) => {
    const { signer } = keys.get(alg) as TestKey;
    const result = await verifyAccessToken(mintAccessToken(signer, claims()), options());
    expect(result.header).toEqual({ alg, kid: signer.kid });
    expect(result.claims).toMatchObject({ iss: ISSUER, sub: 'agent-1', aud: AUDIENCE, jti: 'jti-1', client_id: 'agent-1' });
    expect(result.scopes).toEqual(['read', 'write']);
  });

  it('accepts an audience array that contains this resource server, and a token without scope', async () => {
    const result = await verifyAccessToken(mintAccessToken(es256().signer, claims({ aud: ['https://other.example', AUDIENCE], scope: undefined })), options());
    expect(result.scopes).toEqual([]);
  });

  it('accepts typ "application/at+jwt" in any case (RFC 9068 §4)', async () => {
    const token = forge({ alg: 'ES256', typ: 'Application/AT+JWT', kid: es256().signer.kid }, claims());
    await expect(verifyAccessToken(token, options())).resolves.toMatchObject({ claims: { sub: 'agent-1' } });
  });

  it('tolerates clock skew up to clockSkewSeconds, and no further', async () => {
    const token = mintAccessToken(es256().signer, claims({ exp: NOW - 3, iat: NOW - 303, nbf: NOW - 303 }));
    await expect(verifyAccessToken(token, options())).resolves.toBeDefined();
    expect(await refusal(token, options({ clockSkewSeconds: 0 }))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('accepts a token built by another implementation (jose SignJWT)', async () => {
    const { signer, privateKey } = es256();
    const jwt = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: signer.kid }).sign(privateKey);
    await expect(verifyAccessToken(jwt, options())).resolves.toMatchObject({ header: { alg: 'ES256', kid: signer.kid } });
  });

  it('works with a jose JWK Set resolver, and maps its "no matching key" to ERR_TOKEN_KEY_UNKNOWN', async () => {
    const jwk = { ...(await exportJWK(es256().publicKey)), kid: es256().signer.kid, alg: 'ES256', use: 'sig' };
    const getKey = createLocalJWKSet({ keys: [jwk] });
    await expect(verifyAccessToken(mintAccessToken(es256().signer, claims()), options({ getKey }))).resolves.toBeDefined();
    expect(await refusal(mintAccessToken(attacker.signer, claims()), options({ getKey }))).toBe('ERR_TOKEN_KEY_UNKNOWN');
  });
});

describe('verifyAccessToken: refused tokens (RFC 8725, RFC 9068 §4)', () => {
  const kid = () => es256().signer.kid;

  it('refuses alg "none"', async () => {
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: kid() })}.${b64(claims())}.`;
    expect(await refusal(token)).toBe('ERR_TOKEN_ALG');
  });

  it('refuses HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
    const secret = es256().publicKey.export({ format: 'pem', type: 'spki' });
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: kid() })}.${b64(claims())}`;
    const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    expect(await refusal(token)).toBe('ERR_TOKEN_ALG');
  });

  it('refuses an allowed alg that does not fit the key (EdDSA header, EC key)', async () => {
    const token = forge({ alg: 'EdDSA', typ: 'at+jwt', kid: kid() }, claims(), (keys.get('EdDSA') as TestKey).signer);
    expect(await refusal(token)).toBe('ERR_TOKEN_ALG');
  });

  it('refuses an alg outside the configured allow-list', async () => {
    const token = mintAccessToken((keys.get('PS256') as TestKey).signer, claims());
    expect(await refusal(token, options({ algorithms: ['ES256'] }))).toBe('ERR_TOKEN_ALG');
  });

  it.each([
    ['JWT', 'JWT'],
    ['jwt', 'jwt'],
    ['missing', undefined],
    ['a DPoP proof type', 'dpop+jwt'],
  ])('refuses typ %s', async (_name, typ) => {
    const token = forge({ alg: 'ES256', ...(typ === undefined ? {} : { typ }), kid: kid() }, claims());
    expect(await refusal(token)).toBe('ERR_TOKEN_TYP');
  });

  it('refuses a token from a foreign issuer', async () => {
    expect(await refusal(mintAccessToken(es256().signer, claims({ iss: 'https://evil.example' })))).toBe('ERR_TOKEN_ISSUER');
  });

  it('refuses a token for another audience', async () => {
    expect(await refusal(mintAccessToken(es256().signer, claims({ aud: 'https://other.example' })))).toBe('ERR_TOKEN_AUDIENCE');
    expect(await refusal(mintAccessToken(es256().signer, claims({ aud: ['https://other.example'] })))).toBe('ERR_TOKEN_AUDIENCE');
  });

  it('refuses an expired token', async () => {
    expect(await refusal(mintAccessToken(es256().signer, claims({ exp: NOW - 6, iat: NOW - 306, nbf: NOW - 306 })))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('refuses a token whose nbf or iat is in the future', async () => {
    expect(await refusal(mintAccessToken(es256().signer, claims({ nbf: NOW + 60 })))).toBe('ERR_TOKEN_NOT_YET_VALID');
    expect(await refusal(mintAccessToken(es256().signer, claims({ iat: NOW + 60, nbf: undefined })))).toBe('ERR_TOKEN_NOT_YET_VALID');
  });

  it('refuses a token signed by a key the resolver does not know', async () => {
    expect(await refusal(mintAccessToken(attacker.signer, claims()))).toBe('ERR_TOKEN_KEY_UNKNOWN');
  });

  it('refuses a token signed by another key under a known kid', async () => {
    expect(await refusal(forge({ alg: 'ES256', typ: 'at+jwt', kid: kid() }, claims(), attacker.signer))).toBe('ERR_TOKEN_SIGNATURE');
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = mintAccessToken(es256().signer, claims()).split('.');
    expect(await refusal(`${header}.${b64(claims({ scope: 'admin' }))}.${signature}`)).toBe('ERR_TOKEN_SIGNATURE');
  });

  it('refuses a token embedding its own key (jwk), even when it verifies under that key', async () => {
    const jwk = await exportJWK(attacker.publicKey);
    // The resolver is never consulted: a verifier that trusted the header would accept this.
    const token = forge({ alg: 'ES256', typ: 'at+jwt', jwk }, claims(), attacker.signer);
    expect(await refusal(token, options({ getKey: () => attacker.publicKey }))).toBe('ERR_TOKEN_HEADER');
  });

  it.each([
    ['jku', { jku: 'https://evil.example/jwks' }],
    ['x5u', { x5u: 'https://evil.example/cert' }],
    ['x5c', { x5c: ['MIIB'] }],
    ['crit', { crit: ['exp'] }],
  ])('refuses a %s header', async (_name, extra) => {
    expect(await refusal(forge({ alg: 'ES256', typ: 'at+jwt', kid: kid(), ...extra }, claims()))).toBe('ERR_TOKEN_HEADER');
  });

  it('refuses an oversized token before parsing it', async () => {
    const token = mintAccessToken(es256().signer, claims({ scope: 'a'.repeat(9000) }));
    expect(await refusal(token)).toBe('ERR_TOKEN_TOO_LARGE');
    const small = mintAccessToken(es256().signer, claims());
    expect(await refusal(small, options({ maxTokenLength: small.length - 1 }))).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('refuses truncated and garbled tokens', async () => {
    const token = mintAccessToken(es256().signer, claims());
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(await refusal(`${header}.${payload}`)).toBe('ERR_TOKEN_MALFORMED');
    expect(await refusal(`${header}.${payload}.`)).toBe('ERR_TOKEN_SIGNATURE');
    expect(await refusal(`${header}.${payload}.${signature.slice(0, 40)}`)).toBe('ERR_TOKEN_SIGNATURE');
    expect(await refusal(token.slice(0, 30))).toBe('ERR_TOKEN_MALFORMED');
    expect(await refusal('not-a-token')).toBe('ERR_TOKEN_MALFORMED');
    expect(await refusal(`${header}.${Buffer.from('[1,2]').toString('base64url')}.${signature}`)).toBe('ERR_TOKEN_SIGNATURE');
    expect(await refusal(forge({ alg: 'ES256', typ: 'at+jwt', kid: kid() }, [1, 2] as unknown as Record<string, unknown>))).toBe('ERR_TOKEN_MALFORMED');
  });

  it.each(['sub', 'jti', 'client_id', 'iat', 'exp'] as const)('refuses a token without %s', async (claim) => {
    expect(await refusal(mintAccessToken(es256().signer, claims({ [claim]: undefined })))).toBe('ERR_TOKEN_CLAIMS');
  });

  it('refuses claims of the wrong type or shape', async () => {
    expect(await refusal(mintAccessToken(es256().signer, claims({ sub: 42 })))).toBe('ERR_TOKEN_CLAIMS');
    expect(await refusal(mintAccessToken(es256().signer, claims({ client_id: '' })))).toBe('ERR_TOKEN_CLAIMS');
    expect(await refusal(mintAccessToken(es256().signer, claims({ scope: 'read  write' })))).toBe('ERR_TOKEN_CLAIMS');
    expect(await refusal(mintAccessToken(es256().signer, claims({ scope: ['read'] })))).toBe('ERR_TOKEN_CLAIMS');
    expect(await refusal(mintAccessToken(es256().signer, claims({ exp: 'tomorrow' })))).toBe('ERR_TOKEN_CLAIMS');
  });

  it('refuses a sender-constrained token, whose binding it cannot check yet', async () => {
    expect(await refusal(mintAccessToken(es256().signer, claims({ cnf: { jkt: 'abc' } })))).toBe('ERR_TOKEN_BINDING');
  });
});

describe('verifyAccessToken: misuse', () => {
  const token = (): string => mintAccessToken(es256().signer, claims());

  it.each([
    ['a missing issuer', { issuer: '' }],
    ['a missing audience', { audience: undefined as unknown as string }],
    ['empty algorithms', { algorithms: [] }],
    ['HS256 in algorithms', { algorithms: ['HS256' as SigningAlg] }],
    ['none in algorithms', { algorithms: ['none' as SigningAlg] }],
    ['a negative clock skew', { clockSkewSeconds: -1 }],
    ['a missing getKey', { getKey: undefined as unknown as VerifyAccessTokenOptions['getKey'] }],
  ])('throws TypeError for %s', async (_name, overrides) => {
    await expect(verifyAccessToken(token(), options(overrides))).rejects.toThrow(TypeError);
  });

  it('passes a failing key resolver error through unchanged', async () => {
    const failure = new Error('JWKS endpoint unreachable');
    await expect(verifyAccessToken(token(), options({ getKey: () => Promise.reject(failure) }))).rejects.toBe(failure);
  });
});
