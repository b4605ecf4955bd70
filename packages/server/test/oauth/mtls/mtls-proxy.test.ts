import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProxyCertificateHeader, TrustedProxies } from '../../../src/oauth/mtls/proxy-client-certificate.js';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, FORM, form, startTestServer, type TestServer } from '../../support/test-server.js';
import { TestPki } from './pki.js';

const pki = new TestPki();
const root = pki.selfSigned('root', '/CN=Proxy Test Root', { ca: true });
afterAll(() => pki.remove());

describe.each(BACKENDS)('RFC 8705 §6.5 client certificate from a trusted TLS-terminating proxy (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend, {
      AGENTAUTH_MTLS_PORT: '0',
      AGENTAUTH_MTLS_TRUST_ANCHORS: pki.write('anchors.pem', root.pem),
      AGENTAUTH_MTLS_PROXY_HEADER: 'X-Forwarded-Client-Cert',
      AGENTAUTH_MTLS_TRUSTED_PROXIES: '10.0.0.0/24,::1',
    });
  });
  afterAll(async () => t?.close());

  async function agentWithCertificate() {
    const agent = await createAgent(t.server, { token_endpoint_auth_method: 'tls_client_auth', jwks: undefined, tls_client_auth_san_dns: 'placeholder.example' });
    await t.server.app.inject({
      method: 'PATCH',
      url: `/admin/v1/agents/${agent.id}`,
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
      payload: { tls_client_auth_san_dns: `${agent.id.toLowerCase().replace(/_/g, '-')}.agents.example`, tls_client_certificate_bound_access_tokens: true },
    });
    const leaf = pki.client(`leaf-${agent.id}`, root, '/CN=proxied', `DNS:${agent.id.toLowerCase().replace(/_/g, '-')}.agents.example`);
    t.clock.set(Math.max(t.clock.now(), Date.now() + 1000));
    const hash = createHash('sha256').update(leaf.certificate.raw).digest('hex');
    // Envoy's XFCC element for the client of the connection it terminated.
    const xfcc = `By=spiffe://cluster.local/ns/default/sa/agentauth;Hash=${hash};Cert="${encodeURIComponent(leaf.pem)}";DNS=x`;
    return { agent, leaf, xfcc };
  }

  const token = (clientId: string, remoteAddress: string, headers: Record<string, string>) =>
    t.server.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress,
      headers: { ...FORM, ...headers },
      payload: form({ grant_type: 'client_credentials', client_id: clientId }),
    });

  it('takes the certificate from the header when the peer is a trusted proxy, and binds the token to it', async () => {
    const { agent, leaf, xfcc } = await agentWithCertificate();
    const response = await token(agent.id, '10.0.0.7', { 'x-forwarded-client-cert': xfcc });
    expect(response.statusCode).toBe(200);
    expect(decodeJwt(response.json().access_token).cnf).toEqual({ 'x5t#S256': pki.opensslThumbprint(leaf) });
  });

  it('ignores the header from any other address, even with X-Forwarded-For naming a trusted proxy', async () => {
    const { agent, xfcc } = await agentWithCertificate();
    const response = await token(agent.id, '192.0.2.9', { 'x-forwarded-client-cert': xfcc, 'x-forwarded-for': '10.0.0.7' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('invalid_client');
  });

  it('fails closed on a malformed or repeated header from a trusted proxy', async () => {
    const { agent, xfcc } = await agentWithCertificate();
    const garbled = await token(agent.id, '10.0.0.7', { 'x-forwarded-client-cert': xfcc.replace('Hash=', 'Hash=00') });
    expect(garbled.json().error).toBe('invalid_client');
    const twice = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: '10.0.0.7',
      headers: { ...FORM, 'x-forwarded-client-cert': [xfcc, xfcc] },
      payload: form({ grant_type: 'client_credentials', client_id: agent.id }),
    });
    expect(twice.json().error).toBe('invalid_client');
  });

  it('advertises tls_client_auth without an mTLS alias when only the proxy carries certificates', async () => {
    const metadata = (await t.server.app.inject({ url: '/.well-known/oauth-authorization-server' })).json();
    expect(metadata.token_endpoint_auth_methods_supported).toContain('tls_client_auth');
    expect(metadata.mtls_endpoint_aliases).toBeUndefined();
    expect(t.server.mtls).toBeUndefined();
  });
});

describe('readProxyCertificateHeader', () => {
  const leaf = pki.client('unit-leaf', root, '/CN=unit', 'URI:spiffe://unit.example/agent/a');

  it('reads nginx $ssl_client_escaped_cert (URL-encoded PEM) and treats "" and "-" as no certificate', () => {
    const result = readProxyCertificateHeader('ssl-client-cert', [encodeURIComponent(leaf.pem)]);
    expect(result.kind === 'certificate' && result.certificate.leaf.raw.equals(leaf.certificate.raw)).toBe(true);
    expect(readProxyCertificateHeader('ssl-client-cert', [''])).toEqual({ kind: 'absent' });
    expect(readProxyCertificateHeader('ssl-client-cert', ['-'])).toEqual({ kind: 'absent' });
    expect(readProxyCertificateHeader('ssl-client-cert', [])).toEqual({ kind: 'absent' });
  });

  it('refuses anything but exactly one certificate: two PEMs, trailing text, oversize, several XFCC elements', () => {
    expect(readProxyCertificateHeader('ssl-client-cert', [encodeURIComponent(leaf.pem + leaf.pem)]).kind).toBe('malformed');
    expect(readProxyCertificateHeader('ssl-client-cert', [encodeURIComponent(leaf.pem + 'extra')]).kind).toBe('malformed');
    expect(readProxyCertificateHeader('ssl-client-cert', ['%E0%A4%A'])).toMatchObject({ kind: 'malformed' });
    expect(readProxyCertificateHeader('ssl-client-cert', ['x'.repeat(17 * 1024)])).toMatchObject({ kind: 'malformed', reason: 'client certificate header too long' });
    const element = `Cert="${encodeURIComponent(leaf.pem)}"`;
    expect(readProxyCertificateHeader('x-forwarded-client-cert', [`${element},${element}`])).toMatchObject({ kind: 'malformed', reason: 'XFCC with several elements' });
    expect(readProxyCertificateHeader('x-forwarded-client-cert', ['By=spiffe://x'])).toMatchObject({ kind: 'malformed', reason: 'XFCC without Cert' });
  });

  it('reads the XFCC Chain beside Cert', () => {
    const result = readProxyCertificateHeader('x-forwarded-client-cert', [`Cert="${encodeURIComponent(leaf.pem)}";Chain="${encodeURIComponent(leaf.pem + root.pem)}"`]);
    expect(result.kind).toBe('certificate');
    if (result.kind === 'certificate') expect(result.certificate.chain.map((c) => c.subject)).toEqual(['CN=Proxy Test Root']);
  });
});

describe('TrustedProxies', () => {
  it('matches addresses and CIDR blocks, IPv4-mapped IPv6 included, and nothing when empty', () => {
    const proxies = new TrustedProxies(['10.0.0.0/24', '2001:db8::1']);
    expect(proxies.has('10.0.0.255')).toBe(true);
    expect(proxies.has('::ffff:10.0.0.3')).toBe(true);
    expect(proxies.has('10.0.1.0')).toBe(false);
    expect(proxies.has('2001:db8::1')).toBe(true);
    expect(proxies.has('2001:db8::2')).toBe(false);
    expect(proxies.has(undefined)).toBe(false);
    expect(new TrustedProxies([]).has('127.0.0.1')).toBe(false);
  });
});
