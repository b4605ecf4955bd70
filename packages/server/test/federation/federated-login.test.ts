import { randomUUID } from 'node:crypto';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, BACKENDS, createAgent, form, FORM, ISSUER, type TestAgent } from '../support/test-server.js';
import { githubActionsClaims, kubernetesClaims, startFederationWorld, type FederationWorld, type LocalIssuer } from './federation-fixtures.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const K8S_ISS = 'https://kubernetes.default.svc.cluster.local';
const GHA_ISS = 'https://token.actions.githubusercontent.com';
const GHA_AUD = 'https://agentauth.example/github';

describe.each(BACKENDS)('federated workload login (%s)', (backend) => {
  let w: FederationWorld;
  let k8s: LocalIssuer;
  let gha: LocalIssuer;
  let k8sIssuerId: string;
  let invoiceBot: TestAgent;
  let deployBot: TestAgent;
  let other: TestAgent;

  beforeAll(async () => {
    w = await startFederationWorld(backend);
    k8s = await w.issuer(K8S_ISS, '/k8s/openid/v1/jwks');
    gha = await w.issuer(GHA_ISS, '/gha/.well-known/jwks');
    invoiceBot = await createAgent(w.t.server, { name: 'invoice-bot', grant_types: [JWT_BEARER] });
    deployBot = await createAgent(w.t.server, { name: 'deploy-bot' });
    other = await createAgent(w.t.server, { name: 'other', grant_types: [JWT_BEARER] });

    const k8sIssuer = await w.admin('POST', '/trusted-issuers', { issuer: K8S_ISS, jwks_uri: k8s.jwksUrl, audiences: [ISSUER], max_token_lifetime: 3600 });
    expect(k8sIssuer.status).toBe(201);
    k8sIssuerId = k8sIssuer.body.id as string;
    const ghaIssuer = await w.admin('POST', '/trusted-issuers', { issuer: GHA_ISS, jwks_uri: gha.jwksUrl, audiences: [GHA_AUD], algorithms: ['RS256'], max_token_lifetime: 900 });
    expect(ghaIssuer.status).toBe(201);

    const rules = [
      { issuer_id: k8sIssuerId, agent_id: invoiceBot.id, claims: { '/kubernetes.io/namespace': 'payments', '/kubernetes.io/serviceaccount/name': 'invoice-bot' } },
      { issuer_id: ghaIssuer.body.id, agent_id: deployBot.id, claims: { '/repository': 'acme/deploy', '/ref': 'refs/heads/main' } },
    ];
    for (const rule of rules) expect((await w.admin('POST', '/binding-rules', rule)).status).toBe(201);
  });
  afterAll(async () => w?.close());

  const token = (params: Record<string, string>) => w.t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form(params) });
  const jwtBearer = (assertion: string, extra: Record<string, string> = {}) => token({ grant_type: JWT_BEARER, assertion, ...extra });
  const asClientAssertion = (assertion: string, extra: Record<string, string> = {}) =>
    token({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra });
  const k8sToken = (claims: Record<string, unknown> = {}, options?: Parameters<LocalIssuer['sign']>[1]) =>
    k8s.sign({ ...kubernetesClaims('payments', 'invoice-bot', ISSUER), ...claims }, options);

  /** The newest audit record of `event` (the refusal the last request caused). */
  async function lastAudit(event: string) {
    const page = await w.t.server.deps.store.queryAudit({ event }, { limit: 500 });
    return page.items.at(-1);
  }

  async function expectRefused(response: Awaited<ReturnType<typeof token>>, error: string, reasonPart: string, event = 'access_token.denied') {
    expect(response.statusCode, response.body).toBe(error === 'invalid_client' ? 401 : 400);
    expect(response.json()).toEqual({ error, error_description: expect.any(String) });
    // The specific reason goes to the audit record only, never to the client.
    expect(response.body).not.toContain(reasonPart);
    const record = await lastAudit(event);
    expect(record?.outcome).toBe('failure');
    expect(record?.reason).toContain(reasonPart);
  }

  describe('RFC 7523 §2.1 jwt-bearer grant', () => {
    it('a Kubernetes service-account token logs in as the bound agent, with no stored secret', async () => {
      const response = await jwtBearer(await k8sToken(), { scope: 'orders:read' });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read' });
      const claims = decodeJwt(body.access_token);
      expect(claims).toMatchObject({ sub: invoiceBot.id, client_id: invoiceBot.id, aud: 'https://api.example.com' });
      const issued = await lastAudit('access_token.issued');
      expect(issued?.details).toMatchObject({
        grant_type: JWT_BEARER,
        auth_method: 'none',
        federated_issuer: K8S_ISS,
        trusted_issuer_id: k8sIssuerId,
        federated_sub: 'system:serviceaccount:payments:invoice-bot',
      });
      expect(String(issued?.details.credential_id)).toMatch(/^bnd_/);
    });

    it('never outlives the assertion', async () => {
      const iat = Math.floor(w.t.clock.now() / 1000);
      const response = await jwtBearer(await k8sToken({ exp: iat + 100 }));
      expect(response.statusCode).toBe(200);
      expect(response.json().expires_in).toBe(100);
    });

    it('refuses an agent that is not allowed the jwt-bearer grant', async () => {
      const response = await jwtBearer(await gha.sign(githubActionsClaims('acme/deploy', 'refs/heads/main', GHA_AUD)));
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('unauthorized_client');
    });

    it('with client authentication too, the assertion must bind to the authenticated client', async () => {
      const { clientAssertion } = await import('../support/test-server.js');
      const mismatch = await token({
        grant_type: JWT_BEARER,
        assertion: await k8sToken(),
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await clientAssertion(other, w.t.clock.now()),
      });
      await expectRefused(mismatch, 'invalid_grant', 'bound to another agent');
    });

    it('refuses a client_id naming another agent than the binding', async () => {
      await expectRefused(await jwtBearer(await k8sToken(), { client_id: other.id }), 'invalid_grant', 'client_id does not name the agent');
    });
  });

  describe('federated JWTs as client_assertion (RFC 7523 §2.2)', () => {
    it('a GitHub Actions OIDC token authenticates the bound agent for client_credentials', async () => {
      const assertion = await gha.sign(githubActionsClaims('acme/deploy', 'refs/heads/main', GHA_AUD));
      const response = await asClientAssertion(assertion, { client_id: deployBot.id });
      expect(response.statusCode, response.body).toBe(200);
      expect(decodeJwt(response.json().access_token)).toMatchObject({ sub: deployBot.id, client_id: deployBot.id });
      const issued = await lastAudit('access_token.issued');
      expect(issued?.details).toMatchObject({ grant_type: 'client_credentials', auth_method: 'private_key_jwt' });
    });

    it('refuses another branch (no rule matches) as invalid_client', async () => {
      const assertion = await gha.sign(githubActionsClaims('acme/deploy', 'refs/heads/feature', GHA_AUD));
      await expectRefused(await asClientAssertion(assertion), 'invalid_client', 'no binding rule matches', 'client_authentication.failed');
    });
  });

  describe('bad input: each refused and audited', () => {
    it('an expired token', async () => {
      const iat = Math.floor(w.t.clock.now() / 1000) - 3000;
      await expectRefused(await jwtBearer(await k8sToken({ iat, nbf: iat, exp: iat + 600 })), 'invalid_grant', 'token expired');
    });

    it('a token without exp', async () => {
      await expectRefused(await jwtBearer(await k8sToken({ exp: undefined })), 'invalid_grant', 'exp missing');
    });

    it('a lifetime beyond the issuer bound', async () => {
      const iat = Math.floor(w.t.clock.now() / 1000);
      await expectRefused(await jwtBearer(await k8sToken({ exp: iat + 7200 })), 'invalid_grant', 'exceeds the issuer');
    });

    it('the wrong audience', async () => {
      await expectRefused(await jwtBearer(await k8sToken({ aud: ['https://someone-else.example'] })), 'invalid_grant', 'aud is not an allowed audience');
    });

    it('an unknown key (kid not in the issuer JWKS)', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      await expectRefused(await jwtBearer(await k8sToken({}, { header: { kid: 'rogue' }, key: privateKey })), 'invalid_grant', 'unknown key');
    });

    it('a known kid with a signature of another key', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      await expectRefused(await jwtBearer(await k8sToken({}, { key: privateKey })), 'invalid_grant', 'signature verification failed');
    });

    it('a token matching two agents', async () => {
      const broad = await w.admin('POST', '/binding-rules', { issuer_id: k8sIssuerId, agent_id: other.id, claims: { '/kubernetes.io/namespace': 'payments' } });
      expect(broad.status).toBe(201);
      try {
        await expectRefused(await jwtBearer(await k8sToken()), 'invalid_grant', '2 binding rules match');
      } finally {
        expect((await w.admin('DELETE', `/binding-rules/${broad.body.id as string}`)).status).toBe(204);
      }
      expect((await jwtBearer(await k8sToken())).statusCode).toBe(200);
    });

    it('a token matching no rule', async () => {
      await expectRefused(await jwtBearer(await k8s.sign(kubernetesClaims('payments', 'intruder', ISSUER))), 'invalid_grant', 'no binding rule matches');
    });

    it('an untrusted issuer', async () => {
      const evil = await w.issuer('https://evil.example', '/evil/jwks');
      await expectRefused(await jwtBearer(await evil.sign(kubernetesClaims('payments', 'invoice-bot', ISSUER))), 'invalid_grant', 'issuer not trusted');
    });

    it('alg none and HMAC', async () => {
      const iat = Math.floor(w.t.clock.now() / 1000);
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const claims = { iss: K8S_ISS, iat, exp: iat + 600, jti: randomUUID(), ...kubernetesClaims('payments', 'invoice-bot', ISSUER) };
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      await expectRefused(await jwtBearer(none), 'invalid_grant', 'JWS');
      // HMAC keyed with the issuer's public key material: the classic key-confusion attack.
      const secret = new TextEncoder().encode(JSON.stringify(k8s.publicJwk));
      const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: k8s.kid }).sign(secret);
      await expectRefused(await jwtBearer(hmac), 'invalid_grant', 'alg "HS256" not allowed');
    });

    it('a key-bearing header (jwk) is never honoured', async () => {
      const assertion = await k8sToken({}, { header: { jwk: k8s.publicJwk } });
      await expectRefused(await jwtBearer(assertion), 'invalid_grant', 'header jwk not allowed');
    });

    it('a replayed jti', async () => {
      const assertion = await k8sToken();
      expect((await jwtBearer(assertion)).statusCode).toBe(200);
      await expectRefused(await jwtBearer(assertion), 'invalid_grant', 'jti replayed');
    });

    it('a suspended agent', async () => {
      expect((await w.t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${invoiceBot.id}/suspend`, headers: { authorization: `Bearer ${(await import('../support/test-server.js')).BOOTSTRAP_TOKEN}` } })).statusCode).toBe(200);
      try {
        await expectRefused(await jwtBearer(await k8sToken()), 'invalid_grant', 'agent is suspended');
      } finally {
        await w.t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${invoiceBot.id}/resume`, headers: { authorization: `Bearer ${(await import('../support/test-server.js')).BOOTSTRAP_TOKEN}` } });
      }
    });
  });

  describe('key rotation at the issuer', () => {
    it('a new kid is picked up with one refetch, then unknown kids wait out the cooldown', async () => {
      const rotated = await w.issuer(K8S_ISS, '/k8s/openid/v1/jwks'); // replaces the served set
      w.t.clock.advance(31_000);
      const response = await jwtBearer(await rotated.sign(kubernetesClaims('payments', 'invoice-bot', ISSUER)));
      expect(response.statusCode, response.body).toBe(200);
      const hits = w.https.hits.length;
      const { privateKey } = await generateKeyPair('RS256');
      for (let i = 0; i < 3; i++) {
        const forged = await rotated.sign(kubernetesClaims('payments', 'invoice-bot', ISSUER), { header: { kid: `flood-${i}` }, key: privateKey });
        expect((await jwtBearer(forged)).statusCode).toBe(400);
      }
      expect(w.https.hits.length).toBe(hits);
      k8s = rotated;
    });
  });
});
