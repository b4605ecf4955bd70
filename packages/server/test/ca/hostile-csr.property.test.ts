import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble, buildCsr, pem, tlvOffsets, type CsrParts } from '../support/csr-builder.js';
import { ASSERTION_TYPE, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

/**
 * Hostile certificate signing requests at the CA's public doors, with fast-check, through fastify
 * `inject()` on a real server: `POST /ca/v1/certificates` (JSON `{"csr": "<PEM>"}`) and RFC 7030
 * `POST /.well-known/est/simpleenroll` (base64 DER, `application/pkcs10`). The CSRs are built byte
 * by byte (test/support/csr-builder.ts), so every octet is under the test's control: random DER,
 * truncations, single-byte mutations, hostile length fields, broken PEM armour and base64, and URI
 * SANs that are or are not the agent's SPIFFE ID (SPIFFE-ID §2, X509-SVID §2).
 *
 * Properties: never a 5xx; a refusal is `400 invalid_csr` with a `csr_error` from docs/ca.md (EST:
 * `400 text/plain` naming it); nothing but an intact, correctly signed request is ever issued; a
 * URI SAN other than exactly `spiffe://<trust domain>/agent/<id>` is refused; oversize is refused
 * (`csr_too_large`, or 413 past the body limit) before it is parsed.
 */

const CSR_ERRORS = ['csr_too_large', 'malformed_csr', 'unsupported_algorithm', 'bad_signature', 'weak_key', 'multiple_uri_sans', 'foreign_trust_domain', 'identity_mismatch', 'ca_requested'];

let t: TestServer;
let agent: TestAgent;
let bearer: string;
let spiffeId: string;
let good: CsrParts;
let goodDer: Buffer;

beforeAll(async () => {
  t = await startTestServer('sqlite', { AGENTAUTH_RATE_LIMITS: 'off' });
  agent = await createAgent(t.server, { scopes: ['agentauth:cert'] });
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()), scope: 'agentauth:cert', resource: ISSUER }),
  });
  bearer = (response.json() as { access_token: string }).access_token;
  spiffeId = `spiffe://${t.server.ca.trustDomain}/agent/${agent.id}`;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  good = buildCsr(privateKey, publicKey, { uris: [spiffeId] });
  goodDer = assemble(good);
});
afterAll(async () => {
  await t.close();
});

async function issue(csr: string | Record<string, unknown>) {
  const response = await t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', headers: { authorization: `Bearer ${bearer}` }, payload: typeof csr === 'string' ? { csr } : csr });
  return { status: response.statusCode, body: response.body, json: () => response.json() as { error: string; csr_error?: string; spiffe_id?: string } };
}

async function enroll(body: string) {
  const response = await t.server.app.inject({ method: 'POST', url: '/.well-known/est/simpleenroll', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/pkcs10' }, payload: body });
  return { status: response.statusCode, body: response.body, type: String(response.headers['content-type']) };
}

/** A documented refusal; returns its csr_error. Fails the test on a 201 or a 5xx. */
function refused(response: Awaited<ReturnType<typeof issue>>): string {
  expect(response.status, response.body).toBe(400);
  const body = response.json();
  expect(body.error).toBe('invalid_csr');
  expect(CSR_ERRORS).toContain(body.csr_error);
  return body.csr_error as string;
}

const b64Lines = (der: Buffer) => (der.toString('base64').match(/.{1,64}/g) ?? []).join('\r\n');

describe('POST /ca/v1/certificates with hostile CSRs (fast-check)', () => {
  it('the control: the CSR as built is issued, with exactly the SAN it asked for', async () => {
    const response = await issue(pem(goodDer));
    expect(response.status, response.body).toBe(201);
    expect(response.json().spiffe_id).toBe(spiffeId);
  });

  it('random bytes in valid PEM armour are malformed_csr (or too large)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), b]))), async (bytes) => {
        expect(['malformed_csr', 'csr_too_large']).toContain(refused(await issue(pem(Buffer.from(bytes)))));
      }),
      { numRuns: 80 },
    );
  });

  it('every truncation of a valid CSR is malformed_csr', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: goodDer.length - 1 }), async (keep) => {
        expect(refused(await issue(pem(goodDer.subarray(0, keep))))).toBe('malformed_csr');
      }),
      { numRuns: 80 },
    );
  });

  it('no single-byte change or appended byte is ever issued', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: goodDer.length }), fc.integer({ min: 0, max: 255 }), async (at, value) => {
        const mutated = Buffer.from(at === goodDer.length ? Buffer.concat([goodDer, Buffer.from([value])]) : goodDer);
        fc.pre(at === goodDer.length || mutated[at] !== value);
        if (at < goodDer.length) mutated[at] = value;
        refused(await issue(pem(mutated)));
      }),
      { numRuns: 120 },
    );
  });

  it('another tag at any TLV is refused, including the signatureAlgorithm, which the signature does not cover', async () => {
    // Found by the single-byte property: any constructed tag in place of the signatureAlgorithm's
    // SEQUENCE (offset of its TLV, outside the signed CertificationRequestInfo) was issued.
    for (const at of tlvOffsets(goodDer)) {
      for (const tag of [0x30, 0x31, 0x20, 0x3f, 0x60, 0xa0, 0xa3, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x86]) {
        if (goodDer[at] === tag) continue;
        const mutated = Buffer.from(goodDer);
        mutated[at] = tag;
        refused(await issue(pem(mutated)));
      }
    }
  });

  it('a hostile length field at any TLV (indefinite, non-minimal, huge, off by one) is refused', async () => {
    const offsets = tlvOffsets(goodDer);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...offsets),
        fc.constantFrom<(n: number) => number[]>(
          () => [0x80],
          () => [0x84, 0xff, 0xff, 0xff, 0xff],
          () => [0x85, 0x01, 0x00, 0x00, 0x00, 0x00],
          () => [0x89, 0, 0, 0, 0, 0, 0, 0, 0, 1],
          (n) => [0x82, n >> 8, n & 0xff],
          (n) => (n < 0x80 ? [0x81, n] : [0x83, 0, n >> 8, n & 0xff]),
          (n) => (n + 1 < 0x80 ? [n + 1] : [0x82, (n + 1) >> 8, (n + 1) & 0xff]),
          (n) => (n - 1 < 0x80 ? [Math.max(0, n - 1)] : [0x82, (n - 1) >> 8, (n - 1) & 0xff]),
          () => [0xff],
        ),
        async (at, lengthBytes) => {
          let len = goodDer[at + 1] as number;
          let header = 2;
          if (len & 0x80) {
            const count = len & 0x7f;
            len = 0;
            for (let i = 0; i < count; i++) len = len * 256 + (goodDer[at + 2 + i] as number);
            header += count;
          }
          const replacement = Buffer.from(lengthBytes(len));
          const mutated = Buffer.concat([goodDer.subarray(0, at + 1), replacement, goodDer.subarray(at + header)]);
          fc.pre(!mutated.equals(goodDer));
          refused(await issue(pem(mutated)));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('broken PEM armour or base64 is malformed_csr; harmless respellings are issued', async () => {
    const body = goodDer.toString('base64');
    const lines = b64Lines(goodDer).split('\r\n');
    const wrap = (inner: string, begin = '-----BEGIN CERTIFICATE REQUEST-----', end = '-----END CERTIFICATE REQUEST-----') => `${begin}\n${inner}\n${end}\n`;
    const variants: [string, string, boolean][] = [
      ['CRLF line endings', pem(goodDer).replace(/\n/g, '\r\n'), true],
      ['one long line', wrap(body), true],
      ['NEW CERTIFICATE REQUEST label', pem(goodDer, 'NEW CERTIFICATE REQUEST'), true],
      ['surrounding whitespace', `\n  ${pem(goodDer)}  \n`, true],
      ['no BEGIN', `${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`, false],
      ['no END', `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n`, false],
      ['two BEGIN lines', `-----BEGIN CERTIFICATE REQUEST-----\n${pem(goodDer)}`, false],
      ['two blocks', pem(goodDer) + pem(goodDer), false],
      ['another label', pem(goodDer, 'CERTIFICATE'), false],
      ['mismatched labels', wrap(lines.join('\n'), '-----BEGIN CERTIFICATE REQUEST-----', '-----END CERTIFICATE-----'), false],
      ['text before', `hello\n${pem(goodDer)}`, false],
      ['text after', `${pem(goodDer)}bye\n`, false],
      ['a header line', wrap(`Proc-Type: 4,ENCRYPTED\n\n${lines.join('\n')}`), false],
      // The same text as base64 when the encoding holds no '+', '/' or padding (the key is random).
      ['base64url alphabet', wrap(goodDer.toString('base64url')), goodDer.toString('base64url') === body],
      ['padding removed', wrap(body.replace(/=+$/, '')), body.endsWith('=') ? false : true],
      ['extra padding', wrap(`${body}==`), false],
      ['a space inside', wrap(`${body.slice(0, 10)} ${body.slice(10)}`), false],
      ['a tab inside', wrap(`${body.slice(0, 10)}\t${body.slice(10)}`), false],
      ['a foreign character', wrap(`${body.slice(0, 10)}!${body.slice(10)}`), false],
      ['a character dropped', wrap(body.slice(1)), false],
      ['empty body', wrap(''), false],
      ['only armour', '-----BEGIN CERTIFICATE REQUEST----------END CERTIFICATE REQUEST-----', false],
      ['five dashes missing', pem(goodDer).replace('-----BEGIN', 'BEGIN'), false],
      ['DER as text', goodDer.toString('latin1'), false],
      ['base64 without armour', body, false],
    ];
    for (const [name, text, ok] of variants) {
      const response = await issue(text);
      if (ok) expect(response.status, `${name}: ${response.body}`).toBe(201);
      else expect(refused(response), name).toBe('malformed_csr');
    }
  });

  it('size is bounded: a DER over 16 KiB is csr_too_large, a PEM over 24 KiB too, a body over 32 KiB is 413', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 16 * 1024 + 1, max: 40 * 1024 }), async (size) => {
        const der = Buffer.concat([Buffer.from([0x30, 0x83, size >> 16, (size >> 8) & 0xff, size & 0xff]), Buffer.alloc(size)]);
        const text = pem(der);
        const response = await issue(text);
        if (JSON.stringify({ csr: text }).length > 32 * 1024) {
          expect(response.status, response.body).toBe(413);
          expect(response.json().error).toBe('invalid_request');
        } else expect(refused(response)).toBe('csr_too_large');
      }),
      { numRuns: 30 },
    );
  });

  it('a body of any other JSON shape is 400, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        fc.pre(!(typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { csr?: unknown }).csr === 'string'));
        const response = await t.server.app.inject({ method: 'POST', url: '/ca/v1/certificates', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, payload: JSON.stringify(value) });
        expect(response.statusCode, response.body).toBe(400);
      }),
      { numRuns: 100 },
    );
  });
});

describe('SPIFFE IDs in the CSR (SPIFFE-ID §2, X509-SVID §2) (fast-check)', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const csrWith = (uris: readonly (string | Buffer)[], ca = false) => pem(assemble(buildCsr(keys.privateKey, keys.publicKey, { uris, ca })));

  it('any URI SAN but exactly the agent SPIFFE ID is refused: another trust domain as such, anything else as a mismatch', async () => {
    const trustDomain = t.server.ca.trustDomain;
    const segment = fc.stringMatching(/^[A-Za-z0-9._%~-]{0,12}$/);
    const respelling = fc.oneof(
      fc.constantFrom(
        spiffeId.toUpperCase(),
        spiffeId.replace('spiffe://', 'SPIFFE://'),
        `${spiffeId}/`,
        `${spiffeId}?x=1`,
        `${spiffeId}#f`,
        `${spiffeId}%00`,
        spiffeId.replace('/agent/', '/agent//'),
        spiffeId.replace('/agent/', '/./agent/'),
        spiffeId.replace('/agent/', '/Agent/'),
        spiffeId.replace(agent.id, encodeURIComponent(agent.id).replace(/[A-Za-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)),
        spiffeId.replace('spiffe://', 'spiffe://user@'),
        spiffeId.replace(trustDomain, `${trustDomain}:443`),
        spiffeId.replace(trustDomain, `${trustDomain}.`),
        ` ${spiffeId}`,
        `${spiffeId}\u0000`,
        `https://${trustDomain}/agent/${agent.id}`,
        '',
      ),
      fc.tuple(segment, fc.array(segment, { maxLength: 3 })).map(([td, path]) => `spiffe://${td}/${path.join('/')}`),
      fc.webUrl(),
      fc.string({ maxLength: 40 }).map((s) => `spiffe://${trustDomain}/agent/${s}`),
    );
    await fc.assert(
      fc.asyncProperty(respelling, async (uri) => {
        fc.pre(uri !== spiffeId);
        const code = refused(await issue(csrWith([uri])));
        const foreign = /^spiffe:\/\/([^/]*)/i.exec(uri);
        if (foreign !== null && foreign[1]?.toLowerCase() !== trustDomain) expect(code).toBe('foreign_trust_domain');
        else expect(code).toBe('identity_mismatch');
      }),
      { numRuns: 80 },
    );
  });

  it('the agent SPIFFE ID with any non-ASCII or control byte appended or prefixed is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.boolean(), async (bytes, before) => {
        const raw = before ? Buffer.concat([Buffer.from(bytes), Buffer.from(spiffeId, 'latin1')]) : Buffer.concat([Buffer.from(spiffeId, 'latin1'), Buffer.from(bytes)]);
        expect(['identity_mismatch', 'foreign_trust_domain']).toContain(refused(await issue(csrWith([raw]))));
      }),
      { numRuns: 40 },
    );
  });

  it('two URI SANs are refused even when both are the agent SPIFFE ID; cA=true is refused', async () => {
    expect(refused(await issue(csrWith([spiffeId, spiffeId])))).toBe('multiple_uri_sans');
    expect(refused(await issue(csrWith([spiffeId, 'spiffe://evil.example/agent/x'])))).toBe('multiple_uri_sans');
    expect(refused(await issue(csrWith([spiffeId], true)))).toBe('ca_requested');
  });
});

describe('EST simpleenroll with hostile bodies (fast-check)', () => {
  it('the control: the base64 CSR, with CRLF line breaks, is enrolled', async () => {
    const response = await enroll(b64Lines(goodDer));
    expect(response.status, response.body).toBe(200);
    expect(response.type).toContain('application/pkcs7-mime');
  });

  it('random, truncated or mutated DER, and broken base64, are 400 text/plain naming the refusal; never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => b64Lines(Buffer.from(b))),
          fc.integer({ min: 1, max: goodDer.length - 1 }).map((keep) => b64Lines(goodDer.subarray(0, keep))),
          fc.tuple(fc.nat({ max: goodDer.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
            const mutated = Buffer.from(goodDer);
            mutated[at] = (mutated[at] as number) ^ xor;
            return b64Lines(mutated);
          }),
          fc.string({ maxLength: 200 }),
          fc.constantFrom(
            // The base64url spelling is a hostile body only where it differs from base64 (the key is random).
            ...(goodDer.toString('base64url') === goodDer.toString('base64') ? [] : [goodDer.toString('base64url')]),
            `${goodDer.toString('base64')}=`,
            pem(goodDer),
            `${goodDer.toString('base64')}!`,
            '',
            '====',
          ),
        ),
        async (body) => {
          const response = await enroll(body);
          expect(response.status, response.body).toBe(400);
          expect(response.type).toContain('text/plain');
          const named = /^([a-z_]+): /.exec(response.body)?.[1];
          if (named !== undefined) expect(CSR_ERRORS).toContain(named);
          else expect(response.body).toContain('base64');
        },
      ),
      { numRuns: 80 },
    );
  });

  it('a body over the EST limit is 413', async () => {
    const response = await enroll('A'.repeat(40 * 1024));
    expect(response.status).toBe(413);
  });
});
