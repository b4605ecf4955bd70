import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopKey, dpopProof, type DpopTestKey } from '../../../resource-server/test/dpop/dpop-proof-fixtures.js';
import { hostileSegment, INVALID_UTF8, nested, NON_FINITE_NUMBERS, notANumber, notAString, signEs256Bytes, withDuplicateMember, withRawBytesInString, withRawMember, withWrongClaim, wrongProofClaim } from '../support/hostile-jose.js';
import { ASSERTION_TYPE, createAgent, FORM, form, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

/**
 * Hostile JWTs at the server's public doors, with fast-check, through fastify `inject()`: client
 * assertions at `POST /token` (RFC 7523 §3, `private_key_jwt`, parsed by the server's own compact
 * JWS reader), DPoP proofs at `POST /token` (RFC 9449 §4.3, the shared verifier), and access tokens
 * presented to `POST /introspect` and `POST /revoke` (RFC 7662, RFC 7009). Assertions and proofs
 * are signed with the key the server trusts for them, so a refusal is for what they say.
 * Properties: never a 5xx; a bad assertion is exactly 401 `invalid_client` (RFC 6749 §5.2), a bad
 * proof exactly 400 `invalid_dpop_proof` (RFC 9449 §5); a token that is not an active token of
 * ours introspects as exactly `{"active":false}` and revokes nothing (200, RFC 7009 §2.2); no
 * single edit of a signed assertion, proof or token is accepted.
 *
 * Failure limits are off (AGENTAUTH_RATE_LIMITS=off): every request here fails on purpose.
 */

const ISSUER = 'https://as.example.com';
const TOKEN_URL = `${ISSUER}/token`;
const RESOURCE = 'https://api.example.com';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let t: TestServer;
let agent: TestAgent;
let proofKey: DpopTestKey;

beforeAll(async () => {
  t = await startTestServer('sqlite', { AGENTAUTH_ISSUER: ISSUER, AGENTAUTH_RATE_LIMITS: 'off' });
  agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:introspect'] });
  proofKey = await dpopKey('ES256');
});
afterAll(async () => {
  await t.close();
});

const nowSeconds = () => Math.floor(t.clock.now() / 1000);
const assertionHeader = () => ({ alg: 'ES256', kid: agent.kid });
const assertionClaims = (): Record<string, unknown> => ({ iss: agent.id, sub: agent.id, aud: ISSUER, jti: crypto.randomUUID(), iat: nowSeconds(), exp: nowSeconds() + 60 });
const assertion = (header: Uint8Array | string, payload: Uint8Array | string) => signEs256Bytes(header, payload, agent.privateKey);

async function token(clientAssertion: string, headers: Record<string, string | string[]> = {}) {
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/token',
    headers: { ...FORM, ...headers },
    payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion, resource: RESOURCE }),
  });
  return { status: response.statusCode, body: response.body, headers: response.headers, json: () => response.json() as Record<string, unknown> };
}

async function validAssertion(): Promise<string> {
  return assertion(JSON.stringify(assertionHeader()), JSON.stringify(assertionClaims()));
}

function expectInvalidClient(response: Awaited<ReturnType<typeof token>>): void {
  expect(response.status, response.body).toBe(401);
  expect(response.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' });
  expect(response.headers['www-authenticate']).toBe('Basic realm="agentauth"');
}

type Edit = { kind: 'replace' | 'insert' | 'delete'; at: number; char: string };
const edit = fc.record({ kind: fc.constantFrom('replace' as const, 'insert' as const, 'delete' as const), at: fc.nat({ max: 10_000 }), char: fc.constantFrom(...BASE64URL, '.', '=', '~') });
function apply(value: string, e: Edit): string {
  const at = e.at % (value.length + (e.kind === 'insert' ? 1 : 0));
  if (e.kind === 'insert') return value.slice(0, at) + e.char + value.slice(at);
  if (e.kind === 'delete') return value.slice(0, at) + value.slice(at + 1);
  return value.slice(0, at) + e.char + value.slice(at + 1);
}
/** base64url has padding bits: an edit of a segment's last character may leave its bytes unchanged. */
const sameBytes = (a: string, b: string) =>
  /^[A-Za-z0-9_.-]*$/.test(b) && a.split('.').length === b.split('.').length && a.split('.').every((part, i) => Buffer.from(part, 'base64url').equals(Buffer.from(b.split('.')[i] as string, 'base64url')));

describe('client assertions at POST /token (fast-check)', () => {
  it('the control: a well-formed assertion is answered 200', async () => {
    expect((await token(await validAssertion())).status).toBe(200);
  });

  it('any string as client_assertion is 401 invalid_client', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }), fc.array(fc.base64String(), { minLength: 1, maxLength: 5 }).map((p) => p.join('.') || '.')), async (value) => {
        expectInvalidClient(await token(value));
      }),
      { numRuns: 80 },
    );
  });

  it('a signed header or claims set of any bytes or JSON shape is 401 invalid_client', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment(), fc.boolean(), async (segment, inHeader) => {
        expectInvalidClient(await token(await assertion(inHeader ? segment : JSON.stringify(assertionHeader()), inHeader ? JSON.stringify(assertionClaims()) : segment)));
      }),
      { numRuns: 80 },
    );
  });

  it('iss, sub, aud, jti, exp, nbf, iat of the wrong type (or the required ones missing) are 401 invalid_client', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ name: fc.constantFrom('iss', 'sub', 'aud', 'jti'), value: fc.option(notAString(), { nil: undefined }) }),
          fc.record({ name: fc.constantFrom('exp', 'nbf', 'iat'), value: notANumber() }),
          fc.record({ name: fc.constant('exp'), value: fc.constant(undefined) }),
          fc.record({ name: fc.constant('alg'), value: fc.oneof(fc.jsonValue(), fc.constantFrom('none', 'HS256', 'RS256', 'es256', 'ES256 ')) }),
          fc.record({ name: fc.constant('kid'), value: notAString().filter((v) => v !== null) }),
        ),
        async ({ name, value }) => {
          const inHeader = name === 'alg' || name === 'kid';
          const changed: Record<string, unknown> = inHeader ? assertionHeader() : assertionClaims();
          if (value === undefined) delete changed[name];
          else changed[name] = value;
          expectInvalidClient(await token(await assertion(JSON.stringify(inHeader ? changed : assertionHeader()), JSON.stringify(inHeader ? assertionClaims() : changed))));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('a duplicate member is read as its last value: a wrong last value is 401', async () => {
    const wrong: Record<string, unknown> = { iss: 'someone-else', sub: 'someone-else', aud: 'https://evil.example', exp: 1, jti: '', alg: 'none', kid: 'no-such-key' };
    for (const name of Object.keys(wrong)) {
      const inHeader = name === 'alg' || name === 'kid';
      const good: Record<string, unknown> = inHeader ? assertionHeader() : assertionClaims();
      const twice = withDuplicateMember(good, name, good[name], wrong[name]);
      expectInvalidClient(await token(await assertion(inHeader ? twice : JSON.stringify(assertionHeader()), inHeader ? JSON.stringify(assertionClaims()) : twice)));
    }
  });

  it('deep nesting in an unknown claim or header member is ignored, never a crash (RFC 7519 §4)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2_500 }), fc.boolean(), async (depth, inHeader) => {
        const h = inHeader ? withRawMember(assertionHeader(), 'x_nested', nested(depth)) : JSON.stringify(assertionHeader());
        const p = inHeader ? JSON.stringify(assertionClaims()) : withRawMember(assertionClaims(), 'x_nested', nested(depth));
        expect((await token(await assertion(h, p))).status).toBe(200);
      }),
      { numRuns: 30 },
    );
  });

  it('exp, nbf or iat out of range, and exp non-finite, are 401', async () => {
    const cases: [string, string][] = [
      ['exp', '1e400'],
      ['exp', '-1e400'],
      ['exp', NON_FINITE_NUMBERS[3]],
      ['nbf', '1e400'],
      ['iat', '1e400'],
      ['exp', String(nowSeconds() + 3_600)],
      ['exp', String(nowSeconds() - 60)],
    ];
    for (const [name, raw] of cases) expectInvalidClient(await token(await assertion(JSON.stringify(assertionHeader()), withRawMember(assertionClaims(), name, raw))));
  });

  // -1e400 parses to -Infinity, never "in the future"; RFC 7519 §2: a NumericDate is a number of
  // seconds, which -Infinity is not.
  it('nbf -1e400 or iat -1e400 is 401', async () => {
    for (const name of ['nbf', 'iat']) expectInvalidClient(await token(await assertion(JSON.stringify(assertionHeader()), withRawMember(assertionClaims(), name, '-1e400'))));
  });

  // Decoded leniently, the bytes FF FE in a jti would become U+FFFD and the assertion be answered
  // 200. RFC 7515 §5.2 steps 3 and 8 and RFC 7519 §7.2 ask for UTF-8.
  it('invalid UTF-8 in the claims (jti, or any claim) is 401', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INVALID_UTF8), fc.constantFrom('jti', 'x_unknown'), async (bytes, name) => {
        const claims = assertionClaims();
        if (name === 'x_unknown') claims[name] = '';
        expectInvalidClient(await token(await assertion(JSON.stringify(assertionHeader()), withRawBytesInString(claims, name, bytes))));
      }),
      { numRuns: 12 },
    );
  });

  it('invalid UTF-8 in the protected header is 401', async () => {
    expectInvalidClient(await token(await assertion(withRawBytesInString({ ...assertionHeader(), x: '' }, 'x', [0xff, 0xfe]), JSON.stringify(assertionClaims()))));
  });

  it('no single edit of a signed assertion is accepted', async () => {
    await fc.assert(
      fc.asyncProperty(edit, async (e) => {
        const original = await validAssertion();
        const mutated = apply(original, e);
        fc.pre(mutated !== original && !sameBytes(original, mutated));
        const response = await token(mutated);
        expect(response.status, response.body).toBeLessThan(500);
        expect(response.status, `accepted ${mutated}`).not.toBe(200);
      }),
      { numRuns: 80 },
    );
  });
});

describe('DPoP proofs at POST /token (fast-check)', () => {
  const proofHeader = () => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: proofKey.publicJwk });
  const proofClaims = (): Record<string, unknown> => ({ jti: crypto.randomUUID(), htm: 'POST', htu: TOKEN_URL, iat: nowSeconds() });
  const proof = (h: Uint8Array | string, p: Uint8Array | string) => signEs256Bytes(h, p, proofKey.privateKey);

  async function expectInvalidProof(dpop: string | string[]): Promise<void> {
    const response = await token(await validAssertion(), { dpop });
    expect(response.status, response.body).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid.' });
  }

  it('the control: a well-formed proof binds the token', async () => {
    const response = await token(await validAssertion(), { dpop: await dpopProof(proofKey, 'POST', TOKEN_URL, t.clock.now()) });
    expect(response.status, response.body).toBe(200);
    expect(response.json().token_type).toBe('DPoP');
  });

  it('any DPoP header value, and a signed header or claims of any shape, is 400 invalid_dpop_proof', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ minLength: 1, maxLength: 300 }).map((raw) => ({ raw })), fc.record({ segment: hostileSegment(), inHeader: fc.boolean() })),
        async (input) => {
          const value = 'raw' in input ? input.raw : await proof(input.inHeader ? input.segment : JSON.stringify(proofHeader()), input.inHeader ? JSON.stringify(proofClaims()) : input.segment);
          // Header values are a line of visible ASCII, spaces and tabs (RFC 9110 §5.5); inject refuses others itself.
          fc.pre(/^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/.test(value));
          await expectInvalidProof(value);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('jti, htm, htu, iat of the wrong type, and iat non-finite, are 400 invalid_dpop_proof', async () => {
    await fc.assert(
      fc.asyncProperty(wrongProofClaim(), async (wrong) => {
        await expectInvalidProof(await proof(JSON.stringify(proofHeader()), withWrongClaim(proofClaims(), wrong)));
      }),
      { numRuns: 100 },
    );
  });

  it('no single edit of a signed proof is accepted (each otherwise fresh)', async () => {
    await fc.assert(
      fc.asyncProperty(edit, async (e) => {
        const original = await dpopProof(proofKey, 'POST', TOKEN_URL, t.clock.now());
        const mutated = apply(original, e);
        fc.pre(mutated !== original && !sameBytes(original, mutated));
        await expectInvalidProof(mutated);
      }),
      { numRuns: 80 },
    );
  });
});

describe('access tokens presented to POST /introspect and POST /revoke (fast-check)', () => {
  let issued: string;

  beforeAll(async () => {
    const response = await token(await validAssertion());
    issued = response.json().access_token as string;
  });

  async function introspect(value: string) {
    const response = await t.server.app.inject({ method: 'POST', url: '/introspect', headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: await validAssertion(), token: value }) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { active: boolean };
  }
  async function revoke(value: string) {
    const response = await t.server.app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: await validAssertion(), token: value }) });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toBe('');
  }

  /** A JWS over any header and claims text signed with the server's own active key: what only a confused signer could make. */
  function signedByServer(header: string, claims: string): string {
    const signer = t.server.deps.keys.signer();
    const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(claims).toString('base64url')}`;
    return `${input}.${signer.sign(Buffer.from(input)).toString('base64url')}`;
  }
  const ourHeader = () => {
    const signer = t.server.deps.keys.signer();
    return { alg: signer.alg, kid: signer.kid, typ: 'at+jwt' };
  };
  /** The claims of the issued token: re-signed as they are, they are that token, active. */
  const ourClaims = (): Record<string, unknown> => JSON.parse(Buffer.from(issued.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;

  it('the control: the issued token is active, and so are its claims re-signed by the server', async () => {
    expect((await introspect(issued)).active).toBe(true);
    expect((await introspect(signedByServer(JSON.stringify(ourHeader()), JSON.stringify(ourClaims())))).active).toBe(true);
  });

  it('any string, a single edit of the issued token, or attacker-signed junk introspects as exactly {"active":false}', async () => {
    const attacker = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 200 }).map((raw) => ({ raw })),
          edit.map((e) => ({ edit: e })),
          fc.record({ segment: hostileSegment(), inHeader: fc.boolean() }),
        ),
        async (input) => {
          let value: string;
          if ('raw' in input) value = input.raw;
          else if ('edit' in input) {
            value = apply(issued, input.edit);
            fc.pre(value !== issued && !sameBytes(issued, value));
          } else value = await signEs256Bytes(input.inHeader ? input.segment : JSON.stringify(ourHeader()), input.inHeader ? JSON.stringify(ourClaims()) : input.segment, attacker.privateKey);
          expect(await introspect(value)).toEqual({ active: false });
        },
      ),
      { numRuns: 80 },
    );
  });

  it('the issued claims re-signed by the server with one claim of the wrong type, or a non-finite NumericDate, introspect as {"active":false}; nesting in an unknown claim changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ name: fc.constantFrom('iss', 'sub', 'jti', 'client_id'), value: fc.option(notAString(), { nil: undefined }), raw: fc.constant(undefined) }),
          fc.record({ name: fc.constantFrom('exp', 'iat', 'nbf'), value: notANumber().filter((v) => v !== undefined), raw: fc.constant(undefined) }),
          fc.record({ name: fc.constantFrom('exp', 'iat', 'nbf'), value: fc.constant(undefined), raw: fc.constantFrom(...NON_FINITE_NUMBERS) }),
          fc.record({ name: fc.constantFrom('x_nested'), value: fc.constant(undefined), raw: fc.integer({ min: 1, max: 2_000 }).map(nested) }),
        ),
        async (change) => {
          const claims = ourClaims();
          if (change.raw === undefined && change.value === undefined) delete claims[change.name];
          else if (change.raw === undefined) claims[change.name] = change.value;
          const text = change.raw === undefined ? JSON.stringify(claims) : withRawMember(claims, change.name, change.raw);
          const answer = await introspect(signedByServer(JSON.stringify(ourHeader()), text));
          if (change.name === 'x_nested') expect(answer.active).toBe(true);
          else expect(answer).toEqual({ active: false });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('revoking any hostile token is 200 and revokes nothing: the issued token stays active', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), edit.map((e) => apply(issued, e))), async (value) => {
        fc.pre(value !== issued && !sameBytes(issued, value));
        await revoke(value);
      }),
      { numRuns: 100 },
    );
    expect((await introspect(issued)).active).toBe(true);
  });
});
