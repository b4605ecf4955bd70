import fc from 'fast-check';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenError, DpopProofError, verifyAccessToken, verifyDpopProof, type AccessTokenErrorCode, type VerifyAccessTokenOptions } from '../src/index.js';
import { hostileSegment, INVALID_UTF8, nested, notANumber, notAString, signEs256Bytes, withDuplicateMember, withRawBytesInString, withRawMember, withWrongClaim, wrongProofClaim } from '../../server/test/support/hostile-jose.js';

/**
 * Hostile JWTs at the SDK's two exported verifiers, `verifyAccessToken` (RFC 9068, through jose's
 * `jwtVerify`) and `verifyDpopProof` (RFC 9449 §4.3, its own parser and `node:crypto`), with
 * fast-check. Every input is signed with the key the verifier trusts, so what is refused is refused
 * for what it says, not for its signature. Properties: the only thing ever thrown is the documented
 * error (`AccessTokenError` with a code from docs/resource-server.md, `DpopProofError`
 * `invalid_dpop_proof`), which the adapters turn into a 401 rather than a 500, and anything that
 * breaks the rules (wrong types, invalid UTF-8, non-finite NumericDates, a duplicate member whose
 * last value is wrong) is refused.
 */

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const URL_ORDERS = `${AUDIENCE}/orders`;
const NOW_MS = Date.UTC(2026, 5, 1);
const NOW = NOW_MS / 1000;

const TOKEN_CODES: readonly AccessTokenErrorCode[] = [
  'ERR_TOKEN_MALFORMED',
  'ERR_TOKEN_TOO_LARGE',
  'ERR_TOKEN_TYP',
  'ERR_TOKEN_ALG',
  'ERR_TOKEN_HEADER',
  'ERR_TOKEN_KEY_UNKNOWN',
  'ERR_TOKEN_SIGNATURE',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_NOT_YET_VALID',
  'ERR_TOKEN_ISSUER',
  'ERR_TOKEN_AUDIENCE',
  'ERR_TOKEN_CLAIMS',
  'ERR_TOKEN_BINDING',
];

let issuerKey: CryptoKeyPair;
let proofKey: CryptoKeyPair;
let proofJwk: JWK;
let options: VerifyAccessTokenOptions;

const header = { alg: 'ES256', typ: 'at+jwt', kid: 'k1' };
const claims = (): Record<string, unknown> => ({ iss: ISSUER, sub: 'agt_1', aud: AUDIENCE, exp: NOW + 300, iat: NOW, nbf: NOW, jti: 'jti-1', client_id: 'agt_1', scope: 'orders:read' });

beforeAll(async () => {
  issuerKey = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  proofKey = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  proofJwk = await exportJWK(proofKey.publicKey);
  options = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], getKey: () => issuerKey.publicKey, now: () => NOW_MS };
});

const token = (h: Uint8Array | string, p: Uint8Array | string) => signEs256Bytes(h, p, issuerKey.privateKey);

/** The code of the refusal; fails the test on acceptance or on anything but an AccessTokenError. */
async function refusal(jwt: string): Promise<AccessTokenErrorCode> {
  let result: unknown;
  try {
    result = await verifyAccessToken(jwt, options);
  } catch (error) {
    if (!(error instanceof AccessTokenError)) throw new Error(`not an AccessTokenError: ${String(error)}`, { cause: error });
    expect(TOKEN_CODES).toContain(error.code);
    return error.code;
  }
  throw new Error(`accepted: ${JSON.stringify((result as { claims: unknown }).claims).slice(0, 200)}`);
}

/** Acceptance or a documented refusal; anything else fails the test. */
async function verdict(jwt: string): Promise<'accepted' | AccessTokenErrorCode> {
  try {
    await verifyAccessToken(jwt, options);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof AccessTokenError)) throw new Error(`not an AccessTokenError: ${String(error)}`, { cause: error });
    return error.code;
  }
}

describe('verifyAccessToken: hostile tokens signed by the trusted key (fast-check)', () => {
  it('the control: the untouched token is accepted', async () => {
    expect(await verdict(await token(JSON.stringify(header), JSON.stringify(claims())))).toBe('accepted');
  });

  it('any string at all earns an AccessTokenError, never another exception', async () => {
    const compactish = fc.array(fc.string({ unit: fc.constantFrom(...'ABCDEFabcdef0123456789-_=+/. '), maxLength: 60 }), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), compactish), async (value) => {
        await refusal(value);
      }),
      { numRuns: 300 },
    );
  });

  it('a header or payload of any bytes or any JSON shape is refused with a documented code', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment(), fc.boolean(), async (segment, inHeader) => {
        const code = await refusal(await token(inHeader ? segment : JSON.stringify(header), inHeader ? JSON.stringify(claims()) : segment));
        // A payload that is not a JSON object is malformed; a valid object missing claims is refused for them.
        if (!inHeader) expect(['ERR_TOKEN_MALFORMED', 'ERR_TOKEN_CLAIMS', 'ERR_TOKEN_EXPIRED', 'ERR_TOKEN_ISSUER', 'ERR_TOKEN_AUDIENCE', 'ERR_TOKEN_NOT_YET_VALID']).toContain(code);
      }),
      { numRuns: 300 },
    );
  });

  it('a required claim of the wrong type, or missing, is refused', async () => {
    const strings = ['sub', 'jti', 'client_id', 'iss', 'aud'] as const;
    const numbers = ['exp', 'iat', 'nbf'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ name: fc.constantFrom(...strings), value: fc.option(notAString(), { nil: undefined }) }),
          fc.record({ name: fc.constantFrom(...numbers), value: notANumber() }),
          fc.record({ name: fc.constantFrom(...numbers.slice(0, 2)), value: fc.constant(undefined) }),
          fc.record({ name: fc.constant('scope'), value: fc.oneof(notAString(), fc.constantFrom(' a', 'a  b', 'a"b', 'a\\b', 'é')) }),
          fc.record({ name: fc.constant('act'), value: fc.oneof(fc.array(fc.jsonValue()), fc.string(), fc.integer(), fc.constant(null)) }),
        ),
        async ({ name, value }) => {
          const changed = claims();
          if (value === undefined) delete changed[name];
          else changed[name] = value;
          // `aud` as an array holding our audience among other strings is valid (RFC 7519 §4.1.3).
          fc.pre(!(name === 'aud' && Array.isArray(value) && value.includes(AUDIENCE) && value.every((a) => typeof a === 'string' && a !== '')));
          await refusal(await token(JSON.stringify(header), JSON.stringify(changed)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a duplicate member is read as its last value (RFC 7515 §5.2, RFC 7519 §4): a wrong last value is refused', async () => {
    const hostile: Record<string, unknown> = { iss: 'https://evil.example', aud: 'https://other.example', exp: NOW - 3_600, sub: 5, jti: null, client_id: [], typ: 'JWT', alg: 'none' };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('iss', 'aud', 'exp', 'sub', 'jti', 'client_id', 'typ', 'alg'), async (name) => {
        const inHeader = name === 'typ' || name === 'alg';
        const good = inHeader ? (header as Record<string, unknown>) : claims();
        const twice = withDuplicateMember(good, name, good[name], hostile[name]);
        await refusal(await token(inHeader ? twice : JSON.stringify(header), inHeader ? JSON.stringify(claims()) : twice));
        // The other way round, either verdict is allowed, but an acceptance must have read the last value.
        const reversed = withDuplicateMember(good, name, hostile[name], good[name]);
        const jwt = await token(inHeader ? reversed : JSON.stringify(header), inHeader ? JSON.stringify(claims()) : reversed);
        if ((await verdict(jwt)) === 'accepted' && !inHeader) expect((await verifyAccessToken(jwt, options)).claims[name as 'iss']).toEqual(good[name]);
      }),
      { numRuns: 16 },
    );
  });

  it('deep nesting in an unknown claim, in act and in cnf ends in a verdict, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2_500 }), fc.constantFrom('x_unknown', 'act', 'cnf'), async (depth, name) => {
        const payload = name === 'x_unknown' ? withRawMember(claims(), name, nested(depth)) : withRawMember(claims(), name, `${'{"sub":"a","act":'.repeat(depth)}{"sub":"b"}${'}'.repeat(depth)}`);
        fc.pre(payload.length < 6_000);
        const result = await verdict(await token(JSON.stringify(header), payload));
        // Only an unknown claim is ignored; a nested cnf is not a binding the caller can check.
        if (name === 'x_unknown') expect(result).toBe('accepted');
        if (name === 'cnf') expect(result).not.toBe('accepted');
      }),
      { numRuns: 60 },
    );
  });

  it('a token longer than maxTokenLength is refused before parsing', async () => {
    const long = await token(JSON.stringify(header), JSON.stringify({ ...claims(), pad: 'a'.repeat(9_000) }));
    expect(await refusal(long)).toBe('ERR_TOKEN_TOO_LARGE');
  });

  // jose's jwtVerify checks that exp, nbf and iat are numbers, not that they are finite; `1e400` is
  // valid JSON and parses to Infinity, a token that would never expire. RFC 7519 §2: a NumericDate
  // is a number of seconds, which Infinity is not; the claim rules refuse it.
  for (const [name, value] of [
    ['exp', '1e400'],
    ['nbf', '-1e400'],
    ['iat', '-1e400'],
  ] as const) {
    it(`a non-finite NumericDate (${name}: ${value}) is refused`, async () => {
      expect(await refusal(await token(JSON.stringify(header), withRawMember(claims(), name, value)))).toBe('ERR_TOKEN_CLAIMS');
    });
  }

  it('non-finite NumericDates that already fail: exp -1e400, nbf and iat 1e400', async () => {
    for (const [name, value] of [['exp', '-1e400'], ['nbf', '1e400'], ['iat', '1e400']] as const) {
      const code = await refusal(await token(JSON.stringify(header), withRawMember(claims(), name, value)));
      expect(['ERR_TOKEN_EXPIRED', 'ERR_TOKEN_NOT_YET_VALID', 'ERR_TOKEN_CLAIMS']).toContain(code);
    }
  });

  // jose decodes the segments with a fatal UTF-8 decoder: RFC 7515 §5.2 steps 3 and 8.
  it('invalid UTF-8 anywhere in the claims is refused (RFC 7515 §5.2, RFC 7519 §7.2)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INVALID_UTF8), fc.constantFrom('jti', 'sub', 'client_id', 'x_unknown'), async (bytes, name) => {
        const base = claims();
        if (name === 'x_unknown') base[name] = '';
        expect(await refusal(await token(JSON.stringify(header), withRawBytesInString(base, name, bytes)))).toBe('ERR_TOKEN_MALFORMED');
      }),
      { numRuns: 24 },
    );
  });

  it('invalid UTF-8 in the protected header is refused', async () => {
    expect(await refusal(await token(withRawBytesInString(header, 'kid', [0xff, 0xfe]), JSON.stringify(claims())))).toBe('ERR_TOKEN_MALFORMED');
  });
});

describe('verifyDpopProof: hostile proofs signed by the key they carry (fast-check)', () => {
  const dpopHeader = () => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: proofJwk });
  const dpopClaims = (): Record<string, unknown> => ({ jti: crypto.randomUUID(), htm: 'GET', htu: URL_ORDERS, iat: NOW });
  const proof = (h: Uint8Array | string, p: Uint8Array | string) => signEs256Bytes(h, p, proofKey.privateKey);
  const verifyOptions = { method: 'GET', url: URL_ORDERS, algorithms: ['ES256'], now: NOW_MS };

  async function proofVerdict(value: string, overrides: Partial<typeof verifyOptions> = {}): Promise<'accepted' | 'invalid_dpop_proof'> {
    try {
      await verifyDpopProof(value, { ...verifyOptions, ...overrides });
      return 'accepted';
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw new Error(`not a DpopProofError: ${String(error)}`, { cause: error });
      expect(error.code).toBe('invalid_dpop_proof');
      return 'invalid_dpop_proof';
    }
  }

  it('the control: the untouched proof is accepted, with the thumbprint of its key', async () => {
    const verified = await verifyDpopProof(await proof(JSON.stringify(dpopHeader()), JSON.stringify(dpopClaims())), verifyOptions);
    expect(verified.jkt).toBe(await calculateJwkThumbprint(proofJwk));
  });

  it('any string, and a signed header or claims of any bytes or shape, is invalid_dpop_proof', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }).map((s) => ({ raw: s })), fc.record({ segment: hostileSegment(), inHeader: fc.boolean() })), async (input) => {
        const value =
          'raw' in input ? input.raw : await proof(input.inHeader ? input.segment : JSON.stringify(dpopHeader()), input.inHeader ? JSON.stringify(dpopClaims()) : input.segment);
        fc.pre(value !== '' || 'raw' in input);
        expect(await proofVerdict(value)).toBe('invalid_dpop_proof');
      }),
      { numRuns: 300 },
    );
  });

  it('jti, htm, htu, iat of the wrong type or missing, and iat non-finite, are refused', async () => {
    await fc.assert(
      fc.asyncProperty(wrongProofClaim(), async (wrong) => {
        expect(await proofVerdict(await proof(JSON.stringify(dpopHeader()), withWrongClaim(dpopClaims(), wrong)))).toBe('invalid_dpop_proof');
      }),
      { numRuns: 200 },
    );
  });

  it('a duplicate member whose last value is wrong is refused', async () => {
    for (const [name, wrong] of [['htm', 'POST'], ['htu', 'https://evil.example/orders'], ['iat', NOW - 3_600]] as const) {
      const good = dpopClaims();
      expect(await proofVerdict(await proof(JSON.stringify(dpopHeader()), withDuplicateMember(good, name, good[name], wrong)))).toBe('invalid_dpop_proof');
    }
    expect(await proofVerdict(await proof(withDuplicateMember(dpopHeader(), 'typ', 'dpop+jwt', 'JWT'), JSON.stringify(dpopClaims())))).toBe('invalid_dpop_proof');
  });

  it('deep nesting in an unknown claim or header member ends in a verdict, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2_500 }), fc.boolean(), async (depth, inHeader) => {
        const h = inHeader ? withRawMember(dpopHeader(), 'x', nested(depth)) : JSON.stringify(dpopHeader());
        const p = inHeader ? JSON.stringify(dpopClaims()) : withRawMember(dpopClaims(), 'x', nested(depth));
        expect(await proofVerdict(await proof(h, p))).toBe('accepted');
      }),
      { numRuns: 40 },
    );
  });

  it('a proof longer than the limit is refused before parsing', async () => {
    expect(await proofVerdict(await proof(JSON.stringify(dpopHeader()), JSON.stringify({ ...dpopClaims(), pad: 'a'.repeat(9_000) })))).toBe('invalid_dpop_proof');
  });

  // Decoding invalid UTF-8 leniently would turn it into U+FFFD: the proof would be accepted, and
  // two different jti byte strings would become one replay key. RFC 7515 §5.2 steps 3 and 8.
  it('invalid UTF-8 in the claims or the header is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INVALID_UTF8), fc.constantFrom('jti', 'x', 'header'), async (bytes, where) => {
        const h = where === 'header' ? withRawBytesInString(dpopHeader(), 'x', bytes) : JSON.stringify(dpopHeader());
        const p = where === 'header' ? JSON.stringify(dpopClaims()) : withRawBytesInString(dpopClaims(), where, bytes);
        expect(await proofVerdict(await proof(h, p))).toBe('invalid_dpop_proof');
      }),
      { numRuns: 18 },
    );
  });
});
