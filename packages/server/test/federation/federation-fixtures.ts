import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { makeSelfSignedCert, sendJson, startLocalHttps, type LocalHttps, type SelfSignedCert } from '../net/local-https.js';
import { BOOTSTRAP_TOKEN, startTestServer, type Backend, type TestServer } from '../support/test-server.js';

/**
 * A locally generated external issuer (a stand-in for a Kubernetes API server or GitHub Actions'
 * OIDC provider): an RS256 key pair whose public JWK Set is served over real HTTPS.
 */
export interface LocalIssuer {
  iss: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** Where its JWK Set is served. */
  jwksUrl: string;
  /** Signs `claims` (iss/iat/exp/jti filled in unless given; `undefined` removes one). */
  sign(claims: Record<string, unknown>, options?: { header?: Record<string, unknown>; key?: CryptoKey }): Promise<string>;
}

export interface FederationWorld {
  t: TestServer;
  https: LocalHttps;
  cert: SelfSignedCert;
  /** JWK Sets served by path, editable by tests. */
  served: Map<string, { keys: JWK[] }>;
  issuer(iss: string, path: string, alg?: 'RS256' | 'ES256'): Promise<LocalIssuer>;
  admin(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A real server (SQLite or PostgreSQL) that trusts the local HTTPS server's certificate and may reach loopback; `env` adds settings. */
export async function startFederationWorld(backend: Backend, env: Record<string, string> = {}): Promise<FederationWorld> {
  const cert = makeSelfSignedCert();
  const served = new Map<string, { keys: JWK[] }>();
  const https = await startLocalHttps(cert, (request, response) => {
    const set = served.get(request.url ?? '');
    if (set === undefined) return sendJson(response, { error: 'not found' }, {}, 404);
    sendJson(response, set, { 'cache-control': 'max-age=300' });
  });
  const t = await startTestServer(backend, { AGENTAUTH_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true', AGENTAUTH_FEDERATION_CA_FILE: cert.certPath, ...env });
  return {
    t,
    https,
    cert,
    served,
    async issuer(iss, path, alg = 'RS256') {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `kid-${randomUUID().slice(0, 8)}`;
      const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      served.set(path, { keys: [publicJwk] });
      return {
        iss,
        kid,
        privateKey,
        publicJwk,
        jwksUrl: `${https.url}${path}`,
        async sign(claims, options = {}) {
          const iat = Math.floor(t.clock.now() / 1000);
          const all: Record<string, unknown> = { iss, iat, nbf: iat, exp: iat + 600, jti: randomUUID(), ...claims };
          for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name];
          return new SignJWT(all).setProtectedHeader({ alg, kid, typ: 'JWT', ...options.header } as { alg: string }).sign(options.key ?? privateKey);
        },
      };
    },
    async admin(method, url, payload) {
      const response = await t.server.app.inject({
        method,
        url: `/admin/v1${url}`,
        headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      return { status: response.statusCode, body: response.body === '' ? {} : (response.json() as Record<string, unknown>) };
    },
    async close() {
      await t.close();
      await https.close();
      cert.remove();
    },
  };
}

/** Claims of a Kubernetes projected service-account token (TokenRequest API, v1.29+ shape). */
export function kubernetesClaims(namespace: string, serviceAccount: string, audience: string): Record<string, unknown> {
  return {
    aud: [audience],
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    'kubernetes.io': {
      namespace,
      node: { name: 'node-a', uid: randomUUID() },
      pod: { name: `${serviceAccount}-7d9f8c6b5-x2x9z`, uid: randomUUID() },
      serviceaccount: { name: serviceAccount, uid: randomUUID() },
    },
  };
}

/** Claims of a GitHub Actions OIDC token. */
export function githubActionsClaims(repository: string, ref: string, audience: string): Record<string, unknown> {
  const [owner] = repository.split('/');
  return {
    aud: audience,
    sub: `repo:${repository}:ref:${ref}`,
    ref,
    ref_type: 'branch',
    sha: 'a'.repeat(40),
    repository,
    repository_owner: owner,
    run_id: '1234567890',
    workflow: 'deploy',
    event_name: 'push',
    job_workflow_ref: `${repository}/.github/workflows/deploy.yml@${ref}`,
  };
}
