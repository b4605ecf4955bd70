import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemble, buildCsr, pem } from '../support/csr-builder.js';
import { BOOTSTRAP_TOKEN, createAgent, form, FORM, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Hostile PEM certificate bundles at the server's public doors, with fast-check, through fastify
 * `inject()`: the client certificate a trusted TLS-terminating proxy forwards (RFC 8705 §6.5;
 * nginx's URL-encoded PEM and Envoy's XFCC `Cert`/`Chain`) at `POST /token` for a `tls_client_auth`
 * agent, and the PEM an operator imports at `POST /admin/v1/ca/import`. CSRs' PEM is covered by
 * hostile-csr.property.test.ts.
 *
 * Properties: never a 5xx; a header that is not exactly the certificate (missing or extra
 * boundaries, bad base64, garbage around it, truncated or altered DER, too long a chain) yields
 * no certificate, so the client is refused `401 invalid_client`, and only the intact certificate
 * authenticates; an import of hostile PEM is `400 validation_failed` and changes no authority.
 */

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
let t: TestServer;
let agentId: string;
let certificatePem: string;
let certificateDer: Buffer;

beforeAll(async () => {
  t = await startTestServer('sqlite', { AGENTAUTH_MTLS_PORT: '0', AGENTAUTH_MTLS_PROXY_HEADER: 'x-client-cert', AGENTAUTH_MTLS_TRUSTED_PROXIES: '10.0.0.7', AGENTAUTH_RATE_LIMITS: 'off' });
  // A tls_client_auth agent with no subject is matched by the SPIFFE ID our CA gives it.
  agentId = (await createAgent(t.server, { token_endpoint_auth_method: 'tls_client_auth', jwks: undefined })).id;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issued = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agentId}/certificates`, headers: ADMIN, payload: { csr: pem(assemble(buildCsr(privateKey, publicKey))) } });
  expect(issued.statusCode, issued.body).toBe(201);
  certificatePem = (issued.json() as { certificate_chain: string }).certificate_chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0] as string;
  certificateDer = Buffer.from(certificatePem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
});
afterAll(async () => {
  await t.close();
});

async function tokenWith(headers: Record<string, string>) {
  const response = await t.server.app.inject({ method: 'POST', url: '/token', remoteAddress: '10.0.0.7', headers: { ...FORM, ...headers }, payload: form({ grant_type: 'client_credentials', client_id: agentId, resource: 'https://api.example.com' }) });
  return { status: response.statusCode, body: response.body };
}

const wrap = (body: string, label = 'CERTIFICATE') => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const lines = (der: Buffer) => (der.toString('base64').match(/.{1,64}/g) ?? []).join('\n');

/** PEM texts that are not exactly one intact certificate of ours. */
function hostilePem(): fc.Arbitrary<string> {
  const body = lines(certificateDer);
  return fc.oneof(
    fc.constantFrom(
      body,
      `${certificatePem}${certificatePem}`.repeat(6),
      `garbage\n${certificatePem}`,
      `${certificatePem}garbage`,
      certificatePem.replace('-----BEGIN CERTIFICATE-----\n', ''),
      certificatePem.replace('-----END CERTIFICATE-----\n', ''),
      `-----BEGIN CERTIFICATE-----\n${certificatePem}`,
      `${certificatePem}-----END CERTIFICATE-----\n`,
      wrap(body, 'X509 CERTIFICATE'),
      wrap(body, 'CERTIFICATE REQUEST'),
      wrap(certificateDer.toString('base64url')),
      wrap(`${body}==`),
      wrap(body.replace(/[A-Za-z]/, '*')),
      wrap(''),
      '-----BEGIN CERTIFICATE----------END CERTIFICATE-----',
    ),
    fc.uint8Array({ minLength: 1, maxLength: 400 }).map((bytes) => wrap(lines(Buffer.from(bytes)))),
    fc.integer({ min: 1, max: certificateDer.length - 1 }).map((keep) => wrap(lines(certificateDer.subarray(0, keep)))),
    fc.tuple(fc.nat({ max: certificateDer.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
      const mutated = Buffer.from(certificateDer);
      mutated[at] = (mutated[at] as number) ^ xor;
      return wrap(lines(mutated));
    }),
    fc.string({ maxLength: 100 }),
  );
}

describe('a client certificate forwarded by a trusted proxy (RFC 8705 §6.5)', () => {
  it('the control: the intact certificate, URL-encoded, authenticates the agent', async () => {
    expect((await tokenWith({ 'x-client-cert': encodeURIComponent(certificatePem) })).status).toBe(200);
  });

  it('any other PEM text is refused 401 invalid_client, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePem(), fc.boolean(), async (text, encode) => {
        const value = encode ? encodeURIComponent(text) : text;
        // Header values are visible ASCII, spaces and tabs (RFC 9110 §5.5); inject refuses others itself.
        fc.pre(/^[\x20-\x7e\t]*$/.test(value) && value.trim() !== '' && value.trim() !== '-');
        const response = await tokenWith({ 'x-client-cert': value });
        expect(response.status, response.body).toBe(401);
        expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_client' });
      }),
      { numRuns: 150 },
    );
  });

  it('extra padding or whitespace inside the base64 is refused, though the DER it decodes to is intact', async () => {
    // Found by the property above: Buffer.from(…, 'base64') skipped a trailing `==`, so a PEM text
    // other than the certificate's own was read as it.
    const body = lines(certificateDer);
    for (const text of [wrap(`${body}==`), wrap(`${body}=`), wrap(`=${body}`), wrap(body.replace('\n', '\n ')), wrap(body.replace('\n', '\n\t'))]) {
      const response = await tokenWith({ 'x-client-cert': encodeURIComponent(text) });
      expect(response.status, text).toBe(401);
    }
  });

  it('any percent-garbage around the URL-encoded certificate is refused, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('%', '%zz', '%E0%A4%A', '%FF', '%C0%AF', '%00'), fc.boolean(), async (junk, before) => {
        const encoded = encodeURIComponent(certificatePem);
        const response = await tokenWith({ 'x-client-cert': before ? junk + encoded : encoded + junk });
        expect(response.status, response.body).toBe(401);
      }),
      { numRuns: 20 },
    );
  });
});

describe('PEM at POST /admin/v1/ca/import', () => {
  it('hostile PEM in any field is 400 validation_failed and changes no authority', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const before = (await t.server.app.inject({ method: 'GET', url: '/admin/v1/ca', headers: ADMIN })).body;
    await fc.assert(
      fc.asyncProperty(hostilePem(), fc.constantFrom('certificate', 'private_key', 'root_certificate'), async (text, field) => {
        fc.pre(text.length > 0);
        const payload: Record<string, string> = { certificate: certificatePem, private_key: key, [field]: text };
        const response = await t.server.app.inject({ method: 'POST', url: '/admin/v1/ca/import', headers: ADMIN, payload });
        expect(response.statusCode, response.body).toBe(400);
        expect((response.json() as { type: string }).type).toBe('urn:agentauth:problem:validation_failed');
      }),
      { numRuns: 80 },
    );
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/ca', headers: ADMIN })).body).toBe(before);
  });
});
