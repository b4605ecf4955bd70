import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { children, readDer, type DerNode } from '../../../src/der/der-reader.js';
import { tlv } from '../../../src/der/der-writer.js';
import { certificateNames } from '../../../src/oauth/mtls/certificate-names.js';
import { certificateThumbprint } from '../../../src/oauth/mtls/client-certificate.js';
import { composeSenderConstraints } from '../../../src/oauth/mtls/compose-sender-constraints.js';
import { distinguishedNamesEqual, parseDistinguishedName } from '../../../src/der/distinguished-name.js';
import { verifyCertificateChain } from '../../../src/oauth/mtls/verify-certificate-chain.js';
import type { OAuthError } from '../../../src/oauth/oauth-error.js';
import { BEARER, type SenderConstraint, type SenderConstraintCheck } from '../../../src/oauth/sender-constraint.js';
import type { TokenRequestContext } from '../../../src/oauth/grants/grant-handler.js';
import { BACKENDS, BOOTSTRAP_TOKEN, startTestServer, type TestServer } from '../../support/test-server.js';
import { TestPki } from './pki.js';

const pki = new TestPki();
const root = pki.selfSigned('root', '/CN=Core Root', { ca: true });
const intermediate = pki.intermediate('int', root, '/CN=Core Issuing');
afterAll(() => pki.remove());
const now = () => Date.now() + 1000;

describe('certificate names (RFC 5280 §4.1.2.6, §4.2.1.6) and RFC 4514 matching (RFC 8705 §2.1.2)', () => {
  const leaf = pki.client('names', intermediate, '/C=SE/O=Example, Inc./OU=Agents/CN=Billing Agent', 'URI:spiffe://a.example/agent/x,DNS:x.agents.example,URI:https://other.example');

  it('reads the SAN URIs and DNS names openssl wrote', () => {
    const names = certificateNames(leaf.certificate);
    expect(names?.sanUris).toEqual(['spiffe://a.example/agent/x', 'https://other.example']);
    expect(names?.sanDnsNames).toEqual(['x.agents.example']);
  });

  it('matches an RFC 4514 string (reverse order, escapes, case and spacing folded) and nothing else', () => {
    const subject = certificateNames(leaf.certificate)!.subject;
    const match = (dn: string) => distinguishedNamesEqual(parseDistinguishedName(dn)!, subject);
    expect(match('CN=Billing Agent,OU=Agents,O=Example\\, Inc.,C=SE')).toBe(true);
    expect(match('cn=billing   agent, ou=agents,o=Example\\2C Inc.,c=se')).toBe(true);
    expect(match('2.5.4.3=Billing Agent,OU=Agents,O=Example\\, Inc.,C=SE')).toBe(true);
    expect(match('CN=Billing Agent,OU=Agents,O=Example\\, Inc.')).toBe(false);
    expect(match('C=SE,O=Example\\, Inc.,OU=Agents,CN=Billing Agent')).toBe(false);
    expect(match('CN=Billing Agent+UID=1,OU=Agents,O=Example\\, Inc.,C=SE')).toBe(false);
  });

  it('reads strict DER only: a subjectAltName with a non-minimal length, which Node parses, names nothing', () => {
    // Re-encodes the certificate with the extension value's length in a needless long form.
    const reencode = (node: DerNode): Buffer => {
      if (node.tag === 0x04 && node.content[0] === 0x30) return Buffer.concat([Buffer.from([0x04, 0x81, node.content.length]), node.content]);
      return (node.tag & 0x20) === 0 ? node.der : tlv(node.tag, ...children(node).map(reencode));
    };
    const lax = new X509Certificate(reencode(readDer(leaf.certificate.raw)));
    expect(lax.subjectAltName).toContain('URI:spiffe://a.example/agent/x');
    expect(certificateNames(lax)).toBeUndefined();
  });
});

describe('verifyCertificateChain (RFC 5280 §6, as RFC 8705 §2.1 needs it)', () => {
  const leaf = pki.client('chain-leaf', intermediate, '/CN=leaf', 'URI:spiffe://a.example/agent/y');
  const serverOnly = pki.issue('server-only', intermediate, '/CN=server', ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=serverAuth']);
  const foreign = pki.selfSigned('foreign', '/CN=Foreign', { ca: true });

  it('accepts leaf + intermediate to the root, and the leaf alone when the intermediate is an anchor', () => {
    expect(verifyCertificateChain(leaf.certificate, [intermediate.certificate], [root.certificate], now()).ok).toBe(true);
    expect(verifyCertificateChain(leaf.certificate, [], [root.certificate, intermediate.certificate], now()).ok).toBe(true);
  });

  it('refuses a missing intermediate, a foreign anchor, a CA as client, a serverAuth-only leaf, an expired leaf', () => {
    const reason = (r: ReturnType<typeof verifyCertificateChain>) => (r.ok ? 'ok' : r.reason);
    expect(reason(verifyCertificateChain(leaf.certificate, [], [root.certificate], now()))).toMatch(/does not chain/);
    expect(reason(verifyCertificateChain(leaf.certificate, [intermediate.certificate], [foreign.certificate], now()))).toMatch(/does not chain/);
    expect(reason(verifyCertificateChain(intermediate.certificate, [], [root.certificate], now()))).toMatch(/CA certificate/);
    expect(reason(verifyCertificateChain(serverOnly.certificate, [intermediate.certificate], [root.certificate], now()))).toMatch(/clientAuth/);
    expect(reason(verifyCertificateChain(leaf.certificate, [intermediate.certificate], [root.certificate], now() + 2 * 86_400_000))).toMatch(/expired/);
  });

  it('computes x5t#S256 exactly as openssl does (RFC 8705 §3.1)', () => {
    expect(certificateThumbprint(leaf.certificate)).toBe(pki.opensslThumbprint(leaf));
  });
});

describe('composeSenderConstraints: one binding per token', () => {
  const context = {} as TokenRequestContext;
  const binding = (cnf: SenderConstraint['cnf'], headers: Record<string, string> = {}): SenderConstraintCheck => async () => ({ ...BEARER, cnf, headers });
  const bearer: SenderConstraintCheck = async () => ({ ...BEARER, headers: { 'dpop-nonce': 'n1' } });

  it('keeps the one check that binds, with every check’s headers', async () => {
    const check = composeSenderConstraints(bearer, binding({ 'x5t#S256': 'abc' }))!;
    expect(await check(context)).toMatchObject({ cnf: { 'x5t#S256': 'abc' }, headers: { 'dpop-nonce': 'n1' } });
  });

  it('refuses a request that two checks would bind (DPoP proof from a certificate-bound client)', async () => {
    const check = composeSenderConstraints(binding({ jkt: 'k' }), binding({ 'x5t#S256': 'abc' }))!;
    await expect(check(context)).rejects.toMatchObject({ code: 'invalid_request' } satisfies Partial<OAuthError>);
  });

  it('returns a lone check as is, and nothing for none', () => {
    expect(composeSenderConstraints(undefined, bearer)).toBe(bearer);
    expect(composeSenderConstraints(undefined, undefined)).toBeUndefined();
  });
});

describe.each(BACKENDS)('RFC 8705 client metadata through the admin API (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => t?.close());
  const create = (body: Record<string, unknown>) =>
    t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { name: 'm', owner: 'o', ...body } });

  it('stores and shows one subject for tls_client_auth, issuing no secret', async () => {
    const response = await create({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_uri: 'spiffe://a.example/agent/1', tls_client_certificate_bound_access_tokens: true });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.client_secret).toBeUndefined();
    expect(body.agent).toMatchObject({ tls_client_auth_san_uri: 'spiffe://a.example/agent/1', tls_client_certificate_bound_access_tokens: true, credentials: [] });
    const read = await t.server.app.inject({ url: `/admin/v1/agents/${body.agent.id}`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(read.json().tls_client_auth_san_uri).toBe('spiffe://a.example/agent/1');
  });

  it('refuses two subjects, a subject on another method, a malformed DN', async () => {
    expect((await create({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_uri: 'spiffe://a/b', tls_client_auth_san_dns: 'a.example' })).statusCode).toBe(400);
    expect((await create({ tls_client_auth_san_dns: 'a.example' })).statusCode).toBe(400);
    expect((await create({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'not a dn' })).statusCode).toBe(400);
  });

  it('refuses a self-signed agent key whose x5c does not hold the key', async () => {
    const other = pki.selfSigned('x5c-other', '/CN=other');
    const mine = pki.selfSigned('x5c-mine', '/CN=mine');
    const jwk = { ...mine.certificate.publicKey.export({ format: 'jwk' }), x5c: [other.certificate.raw.toString('base64')] };
    expect((await create({ token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwk] } })).statusCode).toBe(400);
    const good = { ...jwk, x5c: [mine.certificate.raw.toString('base64')] };
    expect((await create({ token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [good] } })).statusCode).toBe(201);
  });
});
