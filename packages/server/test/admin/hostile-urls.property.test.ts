import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * URLs a caller registers, with fast-check, through fastify `inject()` on a real server: `jwks_uri`
 * (RFC 7591 §2: where the agent's keys are fetched from, so trusted for authentication) and the
 * RFC 8707 `resources` at both doors that take them, `POST /admin/v1/agents` (RFC 9457 problem
 * `validation_failed`) and `POST /register` (RFC 7591 §3.2.2 `invalid_client_metadata`).
 *
 * Properties: never a 5xx; an absolute https URL without user information or fragment, at most
 * 2048 characters, is accepted and stored exactly as sent; anything else is refused with the door's
 * documented error naming the field: another scheme (http only on loopback for `resources`), a
 * relative reference, user information, a fragment, an over-long URL, a host that is read as
 * another one than it spells (`https:///x`, `https://2130706433`), and characters RFC 3986 §2
 * does not allow in a URI (whitespace, controls, backslash, a stray `%`, non-ASCII), which a WHATWG
 * parser silently drops or rewrites, so that what is stored would not be what is fetched or compared.
 */

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer('sqlite', { AGENTAUTH_RATE_LIMITS: 'off' });
});
afterAll(async () => {
  await t.close();
});

/** A URL and whether the field must take it. */
type Labelled = { url: string; ok: boolean; how: string };

const httpsUrl = fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }).filter((u) => u.length <= 2048 && !u.includes('#'));

function labelled(field: 'jwks_uri' | 'resources'): fc.Arbitrary<Labelled> {
  const insert = (chars: readonly string[], how: string) =>
    fc.tuple(httpsUrl, fc.constantFrom(...chars), fc.nat()).map(([url, char, at]) => {
      const i = 8 + (at % (url.length - 7));
      return { url: url.slice(0, i) + char + url.slice(i), ok: false, how, at: i };
    })
    // A `%` or `%4` followed by hex digits of the URL would be a valid percent-encoding, not a stray one.
    .filter(({ url, at }) => !/^%[0-9A-Fa-f]{2}/.test(url.slice(at)))
    .map(({ url, ok, how }) => ({ url, ok, how }));
  return fc.oneof(
    httpsUrl.map((url) => ({ url, ok: true, how: 'an https URL' })),
    httpsUrl.map((url) => ({ url: url.replace(/^https:/, 'HTTPS:'), ok: true, how: 'an upper-case scheme' })),
    fc.constantFrom('http://127.0.0.1:9000/jwks', 'http://localhost/jwks', 'http://[::1]/jwks').map((url) => ({ url, ok: field === 'resources', how: 'http on loopback' })),
    httpsUrl.map((url) => ({ url: url.replace(/^https:/, 'http:'), ok: false, how: 'http elsewhere' })),
    fc.tuple(fc.constantFrom('ftp:', 'file:', 'ws:', 'wss:', 'spiffe:', 'javascript:', 'data:', 'httpx:', 'https+unix:'), httpsUrl).map(([scheme, url]) => ({ url: url.replace(/^https:/, scheme), ok: false, how: 'another scheme' })),
    fc.tuple(httpsUrl, fc.string({ maxLength: 10 })).map(([url, fragment]) => ({ url: `${url}#${fragment}`, ok: false, how: 'a fragment' })),
    fc.tuple(httpsUrl, fc.stringMatching(/^[a-z0-9]{1,8}(:[a-z0-9]{0,8})?$/)).map(([url, userinfo]) => ({ url: url.replace('https://', `https://${userinfo}@`), ok: false, how: 'user information' })),
    fc.constantFrom('', '/jwks', 'jwks', 'keys.example.com/jwks', '//keys.example.com/jwks', 'https:', 'https://', 'https:///jwks', 'https://:443/jwks').map((url) => ({ url, ok: false, how: 'not an absolute URL with a host' })),
    fc.constantFrom('https:/keys.example.com/jwks', 'https://2130706433/jwks', 'https://0x7f.0.0.1/jwks', 'https://127.1/jwks', 'https://%6Beys.example.com/jwks', 'https://keys.example.com:/jwks').map((url) => ({ url, ok: false, how: 'a host spelt otherwise than it is read' })),
    fc.constantFrom('https://keys.example.com:443/jwks', 'https://KEYS.example.com/jwks', 'https://[::1]/jwks', 'https://keys.example.com:8443/jwks').map((url) => ({ url, ok: true, how: 'a host with its default port, in capitals, IPv6, another port' })),
    fc.integer({ min: 2049, max: 4000 }).map((n) => ({ url: `https://keys.example.com/${'a'.repeat(n - 25)}`, ok: false, how: 'longer than 2048 characters' })),
    insert([' ', '\t', '\n', '\r', '\u0000', '\u001f', '\u007f', '\\', '%', '%zz', '%4', '\u00e9', '\u2028', '\ud83d\ude00'], 'whitespace, a control, a backslash, a stray % or non-ASCII inside'),
    fc.tuple(httpsUrl, fc.constantFrom(' ', '\t', '\n', '\u0000')).map(([url, c]) => ({ url: `${c}${url}${c}`, ok: false, how: 'surrounded by whitespace or controls' })),
  );
}

async function createAgent(field: 'jwks_uri' | 'resources', url: string) {
  const payload = { name: 'url-test', owner: 'team-test', scopes: ['orders:read'], token_endpoint_auth_method: 'private_key_jwt', ...(field === 'jwks_uri' ? { jwks_uri: url, resources: ['https://api.example.com'] } : { resources: [url] }) };
  if (field === 'resources') Object.assign(payload, { jwks: { keys: [] } });
  const response = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload });
  return { status: response.statusCode, body: response.body, json: () => response.json() as Record<string, unknown> };
}

async function register(field: 'jwks_uri' | 'resources', url: string) {
  const payload = { token_endpoint_auth_method: 'private_key_jwt', ...(field === 'jwks_uri' ? { jwks_uri: url, resources: ['https://api.example.com'] } : { resources: [url], jwks: { keys: [] } }) };
  const response = await t.server.app.inject({ method: 'POST', url: '/register', headers: ADMIN, payload });
  return { status: response.statusCode, body: response.body, json: () => response.json() as Record<string, unknown> };
}

describe.each(['jwks_uri', 'resources'] as const)('%s (fast-check)', (field) => {
  it('POST /admin/v1/agents: accepted exactly when it is a valid URL for the field, stored as sent; refused as validation_failed naming it', async () => {
    await fc.assert(
      fc.asyncProperty(labelled(field), async ({ url, ok, how }) => {
        const response = await createAgent(field, url);
        expect(response.status, `${how}: ${JSON.stringify(url)} -> ${response.body}`).toBeLessThan(500);
        if (ok) {
          expect(response.status, `${how}: ${JSON.stringify(url)} -> ${response.body}`).toBe(201);
          const agent = response.json().agent as Record<string, unknown>;
          expect(field === 'jwks_uri' ? agent.jwks_uri : agent.resources).toEqual(field === 'jwks_uri' ? url : [url]);
        } else {
          expect(response.status, `${how}: ${JSON.stringify(url)} -> ${response.body}`).toBe(400);
          const problem = response.json();
          expect(problem.type).toBe('urn:agentauth:problem:validation_failed');
          expect(String(problem.detail)).toContain(field);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('POST /register: accepted exactly when it is a valid URL for the field; refused as invalid_client_metadata naming it', async () => {
    await fc.assert(
      fc.asyncProperty(labelled(field), async ({ url, ok, how }) => {
        const response = await register(field, url);
        expect(response.status, `${how}: ${JSON.stringify(url)} -> ${response.body}`).toBeLessThan(500);
        if (ok) {
          expect(response.status, `${how}: ${JSON.stringify(url)} -> ${response.body}`).toBe(201);
          expect(response.json()[field]).toEqual(field === 'jwks_uri' ? url : [url]);
        } else {
          expect(response.status, `${how}: ${JSON.stringify(url)} -> ${response.body}`).toBe(400);
          const body = response.json();
          expect(body.error).toBe('invalid_client_metadata');
          expect(String(body.error_description)).toContain(field);
          expect(String(body.error_description)).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/);
        }
      }),
      { numRuns: 100 },
    );
  });
});

// Trusted issuers (docs/federation.md) check their URLs with the same rule as agents: a second,
// looser copy once stored `https://keys.example.com/\njwks` and `https:///jwks` as sent.
describe('jwks_uri of a trusted issuer (fast-check)', () => {
  let n = 0;
  it('POST /admin/v1/trusted-issuers: accepted exactly when it is a valid URL (https, or http on loopback), refused as validation_failed naming it', async () => {
    await fc.assert(
      // A trusted issuer's jwks_uri may be http on loopback (docs/admin-api.md), as resources may.
      fc.asyncProperty(labelled('resources'), async ({ url, ok, how }) => {
        const payload = { issuer: `https://idp-${++n}.example.com`, audiences: ['http://127.0.0.1:8080'], jwks_uri: url };
        const response = await t.server.app.inject({ method: 'POST', url: '/admin/v1/trusted-issuers', headers: ADMIN, payload });
        expect(response.statusCode, `${how}: ${JSON.stringify(url)} -> ${response.body}`).toBe(ok ? 201 : 400);
        if (!ok) expect(String((response.json() as { detail: string }).detail)).toContain('jwks_uri');
      }),
      { numRuns: 100 },
    );
  });
});
