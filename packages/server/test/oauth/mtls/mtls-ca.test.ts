import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, FORM, form, startTestServer, type TestServer } from '../../support/test-server.js';
import { runClosed, TestPki } from './pki.js';

/** POSTs a form over mutual TLS with the given client chain and key, trusting `ca`. */
function post(port: number, path: string, body: string, ca: string, cert: string, key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: 'POST', ca, cert, key, headers: FORM, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The serial of the certificate the listener presents now. */
function serverSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      resolve(socket.getPeerX509Certificate()?.serialNumber ?? '');
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe.each(BACKENDS)('mutual TLS with certificates from our own CA (%s)', (backend) => {
  const pki = new TestPki();
  let t: TestServer;
  let port: number;
  let bundle: string;

  beforeAll(async () => {
    t = await startTestServer(backend, { AGENTAUTH_MTLS_PORT: '8443' });
    port = (await t.server.mtls!.listen({ port: 0 })).port;
    bundle = t.server.ca.trustBundle().pem;
  });
  afterAll(async () => {
    await t?.close();
    pki.remove();
  });

  /** An agent's X.509-SVID: key and CSR made by openssl, certificate issued by our CA. */
  async function svid(agentId: string) {
    const key = join(pki.dir, `${agentId}.key`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const csr = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/O=agentauth'], { encoding: 'utf8' });
    const issued = await t.server.ca.issueForAgent(agentId, csr);
    return { chain: issued.chainPem, key: readFileSync(key, 'utf8'), serial: issued.serial, leaf: new X509Certificate(issued.certificate) };
  }

  it('serves a server certificate our CA issued, which openssl verifies against the bundle, and renews it in place', async () => {
    const bundleFile = pki.write('bundle.pem', bundle);
    const first = await serverSerial(port, bundle);
    const presented = await runClosed('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', bundleFile, '-verify_return_error']);
    expect(presented.out).toMatch(/Verify return code: 0 \(ok\)/);
    await t.server.mtls!.renew();
    expect(await serverSerial(port, bundle)).not.toBe(first);
  });

  it('authenticates a tls_client_auth agent by its SVID (SPIFFE ID registered by default), binds, then refuses it once revoked', async () => {
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/admin/v1/agents',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
      payload: { name: 'svid agent', owner: 'team', resources: ['https://api.example.com'], token_endpoint_auth_method: 'tls_client_auth', tls_client_certificate_bound_access_tokens: true },
    });
    expect(created.statusCode).toBe(201);
    const agentId = created.json().agent.id as string;
    expect(created.json().agent.tls_client_auth_san_uri).toBe(`spiffe://${t.server.ca.trustDomain}/agent/${agentId}`);

    const mine = await svid(agentId);
    const tokenForm = form({ grant_type: 'client_credentials', client_id: agentId });
    const ok = await post(port, '/token', tokenForm, bundle, mine.chain, mine.key);
    expect(ok.body).toMatchObject({ token_type: 'Bearer' });
    expect(ok.status).toBe(200);
    // fingerprint256 is Node's hex SHA-256 of the DER: the same digest, another encoding.
    expect(decodeJwt(ok.body['access_token'] as string).cnf).toEqual({ 'x5t#S256': Buffer.from(mine.leaf.fingerprint256.replaceAll(':', ''), 'hex').toString('base64url') });

    // Another agent's SVID from the same CA is bound to that agent: refused.
    const other = await createAgent(t.server);
    const theirs = await svid(other.id);
    const stolen = await post(port, '/token', tokenForm, bundle, theirs.chain, theirs.key);
    expect([stolen.status, stolen.body['error']]).toEqual([401, 'invalid_client']);

    await t.server.ca.revoke(mine.serial);
    const revoked = await post(port, '/token', tokenForm, bundle, mine.chain, mine.key);
    expect([revoked.status, revoked.body['error']]).toEqual([401, 'invalid_client']);
  });
});
