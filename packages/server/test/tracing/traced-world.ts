import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { ServerOptions } from '../../src/main/create-server.js';
import { kubernetesClaims } from '../federation/federation-fixtures.js';
import { makeSelfSignedCert, sendJson, startLocalHttps, type LocalHttps, type SelfSignedCert } from '../net/local-https.js';
import { BOOTSTRAP_TOKEN, createAgent, form, FORM, ISSUER, startTestServer, type TestServer } from '../support/test-server.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const K8S_ISS = 'https://kubernetes.default.svc.cluster.local';

/**
 * A real server that trusts a Kubernetes-like issuer whose JWK Set is served over real HTTPS on
 * loopback, and one agent bound to its service account: a jwt-bearer login (RFC 7523 §2.1) makes
 * the server fetch that JWK Set. The HTTPS server keeps each request's `traceparent` header.
 */
export interface TracedWorld {
  t: TestServer;
  agentId: string;
  /** The `traceparent` header of each JWKS request, in order (undefined when absent). */
  jwksTraceparents: (string | undefined)[];
  /** A fresh service-account token, the jwt-bearer grant's assertion. */
  assertion(): Promise<string>;
  /** `POST /token` with the jwt-bearer grant, and these extra headers. */
  login(assertion: string, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  admin(method: 'GET' | 'POST', url: string, payload?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startTracedWorld(options: Pick<ServerOptions, 'tracing'> = {}): Promise<TracedWorld> {
  const cert: SelfSignedCert = makeSelfSignedCert();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `kid-${randomUUID().slice(0, 8)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const jwksTraceparents: (string | undefined)[] = [];
  const https: LocalHttps = await startLocalHttps(cert, (request, response) => {
    const header = request.headers.traceparent;
    jwksTraceparents.push(typeof header === 'string' ? header : undefined);
    sendJson(response, jwks, { 'cache-control': 'no-store' });
  });
  const t = await startTestServer('sqlite', { AGENTAUTH_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true', AGENTAUTH_FEDERATION_CA_FILE: cert.certPath }, options);
  const admin: TracedWorld['admin'] = async (method, url, payload, headers = {}) => {
    const response = await t.server.app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, ...headers },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: response.statusCode, body: response.body === '' ? {} : (response.json() as Record<string, unknown>) };
  };
  try {
    const agent = await createAgent(t.server, { name: 'invoice-bot', grant_types: [JWT_BEARER] });
    const issuer = await admin('POST', '/trusted-issuers', { issuer: K8S_ISS, jwks_uri: `${https.url}/k8s/jwks`, audiences: [ISSUER], max_token_lifetime: 3600 });
    if (issuer.status !== 201) throw new Error(`trusted issuer: ${issuer.status} ${JSON.stringify(issuer.body)}`);
    const rule = await admin('POST', '/binding-rules', { issuer_id: issuer.body.id, agent_id: agent.id, claims: { '/kubernetes.io/namespace': 'payments' } });
    if (rule.status !== 201) throw new Error(`binding rule: ${rule.status} ${JSON.stringify(rule.body)}`);
    return {
      t,
      agentId: agent.id,
      jwksTraceparents,
      admin,
      async assertion() {
        const iat = Math.floor(t.clock.now() / 1000);
        const claims = { iss: K8S_ISS, iat, nbf: iat, exp: iat + 600, jti: randomUUID(), ...kubernetesClaims('payments', 'invoice-bot', ISSUER) };
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
      },
      async login(assertion, headers = {}) {
        const response = await t.server.app.inject({ method: 'POST', url: '/token', headers: { ...FORM, ...headers }, payload: form({ grant_type: JWT_BEARER, assertion, scope: 'orders:read' }) });
        return { status: response.statusCode, body: response.json() as Record<string, unknown> };
      },
      async close() {
        await t.close();
        await https.close();
        cert.remove();
      },
    };
  } catch (error) {
    await t.close();
    await https.close();
    cert.remove();
    throw error;
  }
}
