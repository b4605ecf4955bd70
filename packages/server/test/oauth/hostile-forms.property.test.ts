import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, clientAssertion, createAgent, FORM, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

/**
 * The `application/x-www-form-urlencoded` bodies of `POST /token`, `/introspect` and `/revoke`
 * (RFC 6749 §3.2, Appendix B; RFC 7662 §2.1; RFC 7009 §2.1), with fast-check, through fastify
 * `inject()` on a real server. Properties: no body, however broken, earns a 5xx; every refusal is
 * RFC 6749 §5.2 JSON with a code the endpoint documents (docs/errors.md) and an `error_description`
 * in the RFC's character set even when it names an attacker's parameter; a repeated parameter, an
 * over-long value and too many parameters are `invalid_request` (400), and a body over the 64 KiB
 * limit is 413, whatever they hold.
 *
 * Failure limits are off here (AGENTAUTH_RATE_LIMITS=off): every request below fails to
 * authenticate, and what is under test is the parser, not the 429 that would follow.
 */

const ENDPOINTS = ['/token', '/introspect', '/revoke'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

/** What a request that never authenticates may earn at each endpoint (docs/errors.md). */
const UNAUTHENTICATED_CODES: Readonly<Record<Endpoint, readonly string[]>> = {
  '/token': ['invalid_request', 'invalid_client', 'unsupported_grant_type'],
  '/introspect': ['invalid_request', 'invalid_client'],
  '/revoke': ['invalid_request', 'invalid_client'],
};
/** RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E. */
const DESCRIPTION_CHARSET = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
const MAX_PARAMETER_LENGTH = 16 * 1024;
const BODY_LIMIT = 64 * 1024;

let t: TestServer;
let agent: TestAgent;

beforeAll(async () => {
  t = await startTestServer('sqlite', { AGENTAUTH_RATE_LIMITS: 'off' });
  agent = await createAgent(t.server);
});
afterAll(async () => {
  await t.close();
});

async function post(endpoint: Endpoint, payload: string | Buffer, headers: Record<string, string> = FORM) {
  const response = await t.server.app.inject({ method: 'POST', url: endpoint, headers, payload });
  return { status: response.statusCode, body: response.body, json: () => response.json() as { error: string; error_description?: string } };
}

/** The refusal is RFC 6749 §5.2 JSON with a documented code and a description in the allowed characters. */
function expectRefusal(response: Awaited<ReturnType<typeof post>>, endpoint: Endpoint, codes: readonly string[] = UNAUTHENTICATED_CODES[endpoint]): string {
  expect(response.status, response.body).toBeLessThan(500);
  expect(response.status, response.body).toBeGreaterThanOrEqual(400);
  const body = response.json();
  expect(codes, response.body).toContain(body.error);
  expect(body.error_description ?? '').toMatch(DESCRIPTION_CHARSET);
  expect(response.status).toBe(body.error === 'invalid_client' ? 401 : body.error === 'invalid_request' && response.status === 413 ? 413 : 400);
  return body.error;
}

const percentGarbage = fc.constantFrom('%', '%z', '%zz', '%0', '%FF', '%FF%FE', '%C3', '%C0%AF', '%ED%A0%80', '%00', '%0A', '%26', '%3D', '+', '&', '=', '==', ';', '\u0000', '\u00e9', '\ud800', '\r\n');
const NAMES = ['grant_type', 'client_id', 'client_assertion', 'client_assertion_type', 'client_secret', 'scope', 'resource', 'audience', 'token', 'token_type_hint', 'code', 'refresh_token', 'x'];
const formText = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 }), percentGarbage),
      fc.oneof(fc.constantFrom('', 'client_credentials', ASSERTION_TYPE, 'https://api.example.com', 'orders:read'), fc.string({ maxLength: 40 }), fc.string({ unit: percentGarbage, maxLength: 8 })),
      fc.constantFrom('=', '', '=='),
    ),
    { maxLength: 12 },
  )
  .map((pairs) => pairs.map(([name, value, eq]) => `${name}${eq}${value}`).join('&'));

describe('hostile form bodies (fast-check)', () => {
  it('any form text, percent-garbage included, is refused with a documented 4xx at every endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.oneof(formText, fc.string({ unit: 'binary', maxLength: 300 })), async (endpoint, body) => {
        expectRefusal(await post(endpoint, body), endpoint);
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes, under any media type, are refused with a documented 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=latin1', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded, application/json', ''),
        async (endpoint, bytes, type) => {
          expectRefusal(await post(endpoint, Buffer.from(bytes), type === '' ? {} : { 'content-type': type }), endpoint, ['invalid_request', 'invalid_client', 'unsupported_grant_type']);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a repeated parameter (other than resource and audience) is invalid_request, naming it within the allowed characters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        fc.oneof(fc.constantFrom(...NAMES.filter((n) => n !== 'resource' && n !== 'audience')), fc.string({ minLength: 1, maxLength: 60 }).filter((n) => n !== 'resource' && n !== 'audience')),
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 2, maxLength: 4 }),
        async (endpoint, name, values) => {
          const body = new URLSearchParams(values.map((v) => [name, v])).toString();
          const response = await post(endpoint, body);
          expect(expectRefusal(response, endpoint)).toBe('invalid_request');
          expect(response.json().error_description).toContain('repeated');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a value longer than 16 KiB, or more than 32 parameters, is invalid_request whatever else the body holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        fc.oneof(
          fc.record({ long: fc.integer({ min: MAX_PARAMETER_LENGTH + 1, max: BODY_LIMIT - 100 }), name: fc.constantFrom(...NAMES), count: fc.constant(0) }),
          fc.record({ long: fc.constant(0), name: fc.constantFrom(...NAMES), count: fc.integer({ min: 33, max: 200 }) }),
        ),
        async (endpoint, { long, name, count }) => {
          const body = long > 0 ? `grant_type=client_credentials&${name}=${'a'.repeat(long)}` : Array.from({ length: count }, (_, i) => `p${i}=v`).join('&');
          expect(expectRefusal(await post(endpoint, body), endpoint)).toBe('invalid_request');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a body over 64 KiB is 413 invalid_request, before it is parsed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.integer({ min: BODY_LIMIT + 1, max: 4 * BODY_LIMIT }), fc.constantFrom('a', '%FF', '&x=', '='), async (endpoint, size, unit) => {
        const response = await post(endpoint, `grant_type=${unit.repeat(Math.ceil(size / unit.length))}`);
        expect(response.status).toBe(413);
        expect(expectRefusal(response, endpoint)).toBe('invalid_request');
      }),
      { numRuns: 20 },
    );
  });

  it('the control: a well-formed request between hostile ones is answered 200', async () => {
    const response = await post(
      '/token',
      new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()), resource: 'https://api.example.com' }).toString(),
    );
    expect(response.status, response.body).toBe(200);
  });
});
