import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, FORM, form, startTestServer, type TestServer } from '../../support/test-server.js';
import { runClosed, TestPki, type IssuedCertificate } from './pki.js';

const run = promisify(execFile);

interface HttpsResult {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form over a real TLS connection, with a client certificate when given. */
function post(port: number, path: string, body: string, ca: string, client?: IssuedCertificate, headers: Record<string, string> = {}): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        ...(client ? { cert: client.pem, key: client.keyPem } : {}),
        headers: { ...FORM, ...headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(BACKENDS)('RFC 8705 mutual TLS at the token endpoint (%s)', (backend) => {
  const pki = new TestPki();
  const root = pki.selfSigned('root', '/CN=Test Root', { ca: true });
  const intermediate = pki.intermediate('int', root, '/CN=Test Issuing CA');
  const serverCert = pki.server('server', root);
  const foreignRoot = pki.selfSigned('foreign-root', '/CN=Foreign Root', { ca: true });
  const anchors = pki.write('anchors.pem', root.pem);
  let t: TestServer;
  let port: number;

  beforeAll(async () => {
    t = await startTestServer(backend, {
      AGENTAUTH_MTLS_PORT: '8443',
      AGENTAUTH_MTLS_CERT_FILE: serverCert.certFile,
      AGENTAUTH_MTLS_KEY_FILE: serverCert.keyFile,
      AGENTAUTH_MTLS_TRUST_ANCHORS: anchors,
    });
    port = (await t.server.mtls!.listen({ port: 0 })).port;
  });
  afterAll(async () => {
    await t?.close();
    pki.remove();
  });

  /** A tls_client_auth agent bound to a SPIFFE ID, and a certificate for it (leaf + intermediate). */
  async function pkiAgent(extra: Record<string, unknown> = {}) {
    const agent = await createAgent(t.server, { token_endpoint_auth_method: 'tls_client_auth', jwks: undefined, tls_client_auth_san_uri: 'spiffe://test.example/agent/placeholder', ...extra });
    const uri = `spiffe://test.example/agent/${agent.id}`;
    const patch = await t.server.app.inject({
      method: 'PATCH',
      url: `/admin/v1/agents/${agent.id}`,
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
      payload: { tls_client_auth_san_uri: uri },
    });
    expect(patch.statusCode).toBe(200);
    const leaf = pki.client(`leaf-${agent.id}`, intermediate, `/CN=${agent.id}`, `URI:${uri}`);
    // The client sends its chain: leaf then intermediate, as curl --cert with a chain file does.
    const chained = { ...leaf, pem: leaf.pem + intermediate.pem };
    catchUp();
    return { agent, leaf, chained };
  }

  /** The test clock froze at server start; certificates made since are valid from their creation. */
  const catchUp = () => t.clock.set(Math.max(t.clock.now(), Date.now() + 1000));

  const tokenForm = (clientId: string) => form({ grant_type: 'client_credentials', client_id: clientId, scope: 'orders:read' });

  it('advertises mtls_endpoint_aliases and certificate-bound tokens (RFC 8705 §3.3, §5)', async () => {
    const metadata = (await t.server.app.inject({ url: '/.well-known/oauth-authorization-server' })).json();
    expect(metadata.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(metadata.mtls_endpoint_aliases).toEqual({
      token_endpoint: 'https://127.0.0.1:8443/token',
      introspection_endpoint: 'https://127.0.0.1:8443/introspect',
      key_digest_introspection_endpoint: 'https://127.0.0.1:8443/introspect/key-digest',
      revocation_endpoint: 'https://127.0.0.1:8443/revoke',
      backchannel_authentication_endpoint: 'https://127.0.0.1:8443/bc-authorize',
    });
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']));
  });

  it('issues a token to a tls_client_auth agent whose certificate chains to the trust anchor (§2.1)', async () => {
    const { agent, chained } = await pkiAgent();
    const response = await post(port, '/token', tokenForm(agent.id), root.pem, chained);
    expect(response.status).toBe(200);
    expect(response.body['token_type']).toBe('Bearer');
    const claims = decodeJwt(response.body['access_token'] as string);
    expect(claims.sub).toBe(agent.id);
    expect(claims.cnf).toBeUndefined();
  });

  it('binds the token to the certificate for an agent registered for bound tokens, and introspection shows cnf (§3)', async () => {
    const { agent, chained, leaf } = await pkiAgent({ tls_client_certificate_bound_access_tokens: true });
    const response = await post(port, '/token', tokenForm(agent.id), root.pem, chained);
    expect(response.status).toBe(200);
    const claims = decodeJwt(response.body['access_token'] as string);
    expect(claims.cnf).toEqual({ 'x5t#S256': pki.opensslThumbprint(leaf) });

    const introspection = await post(
      port,
      '/introspect',
      form({ token: response.body['access_token'] as string, client_id: agent.id }),
      root.pem,
      chained,
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body['active']).toBe(true);
    expect(introspection.body['cnf']).toEqual({ 'x5t#S256': pki.opensslThumbprint(leaf) });
  });

  it('refuses a bound-tokens agent that comes without a certificate (private_key_jwt on the plain listener)', async () => {
    const agent = await createAgent(t.server, { tls_client_certificate_bound_access_tokens: true });
    const { clientAssertion, ASSERTION_TYPE } = await import('../../support/test-server.js');
    const response = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()) }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
  });

  it('gives a private_key_jwt agent registered for bound tokens a bound token over mTLS (§3 with any auth method)', async () => {
    const agent = await createAgent(t.server, { tls_client_certificate_bound_access_tokens: true });
    const { clientAssertion, ASSERTION_TYPE } = await import('../../support/test-server.js');
    const anyCert = pki.selfSigned(`any-${agent.id}`, '/CN=whatever');
    catchUp();
    const response = await post(
      port,
      '/token',
      form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()) }),
      root.pem,
      anyCert,
    );
    expect(response.status).toBe(200);
    expect(decodeJwt(response.body['access_token'] as string).cnf).toEqual({ 'x5t#S256': pki.opensslThumbprint(anyCert) });
  });

  it('refuses with invalid_client: no certificate, a foreign chain, another agent, an expired certificate', async () => {
    const { agent, chained } = await pkiAgent();
    const other = await pkiAgent();

    const none = await post(port, '/token', tokenForm(agent.id), root.pem);
    expect([none.status, none.body['error']]).toEqual([401, 'invalid_client']);

    const foreign = pki.client(`foreign-${agent.id}`, foreignRoot, `/CN=${agent.id}`, `URI:spiffe://test.example/agent/${agent.id}`);
    catchUp();
    const foreignResponse = await post(port, '/token', tokenForm(agent.id), root.pem, foreign);
    expect([foreignResponse.status, foreignResponse.body['error']]).toEqual([401, 'invalid_client']);

    // The other agent's valid certificate, naming this agent as client_id.
    const stolen = await post(port, '/token', tokenForm(agent.id), root.pem, other.chained);
    expect([stolen.status, stolen.body['error']]).toEqual([401, 'invalid_client']);

    // Leaf certificates are valid for one day: two days on, the same certificate is expired.
    t.clock.advance(2 * 86_400_000);
    try {
      const expired = await post(port, '/token', tokenForm(agent.id), root.pem, chained);
      expect([expired.status, expired.body['error']]).toEqual([401, 'invalid_client']);
    } finally {
      t.clock.advance(-2 * 86_400_000);
    }
    const audit = await t.server.app.inject({
      url: `/admin/v1/audit?agent_id=${agent.id}&event=client_authentication.failed`,
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
    });
    const reasons = (audit.json().items as { reason: string }[]).map((r) => r.reason).join('\n');
    expect(reasons).toContain('does not chain to a trusted anchor');
    expect(reasons).toContain('subject is not the one this agent registered');
    expect(reasons).toContain('expired');
  });

  it('refuses a certificate for a tls_client_auth agent that registered another method', async () => {
    const agent = await createAgent(t.server);
    const leaf = pki.client(`pkjwt-${agent.id}`, intermediate, `/CN=${agent.id}`, `URI:spiffe://test.example/agent/${agent.id}`);
    catchUp();
    const response = await post(port, '/token', tokenForm(agent.id), root.pem, { ...leaf, pem: leaf.pem + intermediate.pem });
    expect([response.status, response.body['error']]).toEqual([401, 'invalid_client']);
  });

  it('authenticates with tls_client_auth_san_dns and tls_client_auth_subject_dn (§2.1.2)', async () => {
    const dnsAgent = await createAgent(t.server, { token_endpoint_auth_method: 'tls_client_auth', jwks: undefined, tls_client_auth_san_dns: 'Worker-7.agents.example' });
    const dnsLeaf = pki.client(`dns-${dnsAgent.id}`, intermediate, '/CN=worker', 'DNS:worker-7.agents.example');
    catchUp();
    expect((await post(port, '/token', tokenForm(dnsAgent.id), root.pem, { ...dnsLeaf, pem: dnsLeaf.pem + intermediate.pem })).status).toBe(200);

    const dnAgent = await createAgent(t.server, {
      token_endpoint_auth_method: 'tls_client_auth',
      jwks: undefined,
      tls_client_auth_subject_dn: 'CN=billing agent,OU=Agents,O=Example\\, Inc.,C=SE',
    });
    const dnLeaf = pki.client(`dn-${dnAgent.id}`, intermediate, '/C=SE/O=Example, Inc./OU=Agents/CN=Billing  Agent');
    catchUp();
    expect((await post(port, '/token', tokenForm(dnAgent.id), root.pem, { ...dnLeaf, pem: dnLeaf.pem + intermediate.pem })).status).toBe(200);
    const wrongDn = pki.client(`dn2-${dnAgent.id}`, intermediate, '/C=SE/O=Example, Inc./OU=Humans/CN=Billing Agent');
    const refused = await post(port, '/token', tokenForm(dnAgent.id), root.pem, { ...wrongDn, pem: wrongDn.pem + intermediate.pem });
    expect(refused.body['error']).toBe('invalid_client');
  });

  it('authenticates self_signed_tls_client_auth by the registered x5c certificate, not just its key (§2.2)', async () => {
    const self = pki.selfSigned(`self-${Date.now()}`, '/CN=self-signed agent', { extensions: ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=clientAuth'] });
    const jwk = { ...self.certificate.publicKey.export({ format: 'jwk' }), kid: 'cert-1', x5c: [self.certificate.raw.toString('base64')] };
    const agent = await createAgent(t.server, { token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwk] } });
    catchUp();
    const response = await post(port, '/token', tokenForm(agent.id), root.pem, self);
    expect(response.status).toBe(200);

    // A second certificate over the same key is another certificate: refused.
    const twin = pki.write(`twin-${agent.id}.pem`, '');
    await run('openssl', ['req', '-new', '-x509', '-key', self.keyFile, '-subj', '/CN=twin', '-days', '30', '-out', twin]);
    const { readFileSync } = await import('node:fs');
    const twinCert = { ...self, certFile: twin, pem: readFileSync(twin, 'utf8') };
    catchUp();
    const refused = await post(port, '/token', tokenForm(agent.id), root.pem, twinCert);
    expect([refused.status, refused.body['error']]).toEqual([401, 'invalid_client']);
  });

  it('serves curl --cert --key --cacert, a real TLS client', async () => {
    const { agent, leaf } = await pkiAgent();
    const chainFile = pki.write(`chain-${agent.id}.pem`, leaf.pem + intermediate.pem);
    const { stdout } = await run('curl', [
      '-sS',
      '--cert', chainFile,
      '--key', leaf.keyFile,
      '--cacert', root.certFile,
      '-d', 'grant_type=client_credentials',
      '-d', `client_id=${agent.id}`,
      `https://127.0.0.1:${port}/token`,
    ]);
    const body = JSON.parse(stdout) as Record<string, unknown>;
    expect(body['token_type']).toBe('Bearer');
    expect(decodeJwt(body['access_token'] as string).sub).toBe(agent.id);
  });

  it('requests a client certificate in the handshake and refuses TLS 1.1 (openssl s_client)', async () => {
    const ok = await runClosed('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-CAfile', root.certFile, '-cert', root.certFile, '-key', root.keyFile]);
    expect(ok.out).toMatch(/Verify return code: 0 \(ok\)/);
    expect(ok.out).toMatch(/Protocol\s*: TLSv1\.2/);
    // OpenSSL prints the CertificateRequest's signature algorithms only when a certificate was requested.
    expect(ok.out).toMatch(/Requested Signature Algorithms/);

    const old = await runClosed('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']);
    expect(old.code).not.toBe(0);
    expect(old.out).toMatch(/Cipher is \(NONE\)/);
  });
});
