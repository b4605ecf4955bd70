import { exportJWK, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, BACKENDS, clientAssertion, createAgent, form, FORM, ISSUER, type TestAgent } from '../support/test-server.js';
import { kubernetesClaims, startFederationWorld, type FederationWorld } from './federation-fixtures.js';

const K8S_ISS = 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE';

describe.each(BACKENDS)('trusted issuers and binding rules: admin API, static JWKS, jwks_uri agents, exchange (%s)', (backend) => {
  let w: FederationWorld;
  let agent: TestAgent;

  beforeAll(async () => {
    w = await startFederationWorld(backend);
    agent = await createAgent(w.t.server, { name: 'static-bot', grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] });
  });
  afterAll(async () => w?.close());

  const token = (params: Record<string, string>) => w.t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form(params) });
  const auditOf = async (event: string) => (await w.t.server.deps.store.queryAudit({ event }, { limit: 500 })).items;

  it('validates trusted issuers strictly', async () => {
    const jwks = { keys: [{ ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'a' }] };
    const cases: [Record<string, unknown>, number][] = [
      [{ issuer: K8S_ISS, audiences: [ISSUER] }, 400], // neither jwks_uri nor jwks
      [{ issuer: K8S_ISS, audiences: [ISSUER], jwks, jwks_uri: 'https://x.example/jwks' }, 400], // both
      [{ issuer: ISSUER, audiences: [ISSUER], jwks }, 400], // ourselves
      [{ issuer: 'http://issuer.example', audiences: [ISSUER], jwks }, 400], // plain http off loopback
      [{ issuer: K8S_ISS, audiences: [ISSUER], jwks, algorithms: ['HS256'] }, 400], // HMAC
      [{ issuer: K8S_ISS, audiences: [ISSUER], jwks, algorithms: ['none'] }, 400],
      [{ issuer: K8S_ISS, audiences: [ISSUER], jwks: { keys: [{ ...jwks.keys[0], d: 'secret' }] } }, 400], // private key
      [{ issuer: K8S_ISS, audiences: [], jwks }, 400],
      [{ issuer: K8S_ISS, audiences: [ISSUER], jwks, unknown: true }, 400],
    ];
    for (const [body, status] of cases) {
      const response = await w.admin('POST', '/trusted-issuers', body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.code).toBe('validation_failed');
    }
    expect(await w.admin('GET', '/trusted-issuers')).toEqual({ status: 200, body: { items: [] } });
  });

  it('creates, reads, updates and deletes issuers and rules, auditing each change', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'static-1', alg: 'ES256' }] };
    const created = await w.admin('POST', '/trusted-issuers', { issuer: K8S_ISS, audiences: [ISSUER], jwks, algorithms: ['ES256'], description: 'EKS cluster' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ issuer: K8S_ISS, jwks_uri: null, jwks, audiences: [ISSUER], algorithms: ['ES256'], max_token_lifetime: 3600, allow_token_reuse: false });
    const issuerId = created.body.id as string;
    // Federation's refusals reach the administrator as the admin problem of the same code.
    expect(await w.admin('POST', '/trusted-issuers', { issuer: K8S_ISS, audiences: [ISSUER], jwks })).toMatchObject({
      status: 409,
      body: { code: 'conflict', detail: 'this issuer is already trusted' },
    });
    expect(await w.admin('GET', '/trusted-issuers/tis_doesnotexist')).toMatchObject({ status: 404, body: { code: 'not_found', detail: 'no such trusted issuer' } });

    const badRules: Record<string, unknown>[] = [
      { issuer_id: issuerId, agent_id: agent.id, claims: {} },
      { issuer_id: issuerId, agent_id: agent.id, claims: { sub: 'x' } }, // not a JSON Pointer
      { issuer_id: issuerId, agent_id: agent.id, claims: { '/a~2b': 'x' } }, // bad escape
      { issuer_id: issuerId, agent_id: 'agt_doesnotexist', claims: { '/sub': 'x' } },
      { issuer_id: 'tis_doesnotexist', agent_id: agent.id, claims: { '/sub': 'x' } },
    ];
    for (const rule of badRules) expect((await w.admin('POST', '/binding-rules', rule)).status, JSON.stringify(rule)).toBe(400);

    const rule = await w.admin('POST', '/binding-rules', { issuer_id: issuerId, agent_id: agent.id, claims: { '/sub': 'system:serviceaccount:ops:static-bot' } });
    expect(rule.status).toBe(201);
    const ruleId = rule.body.id as string;
    expect((await w.admin('GET', `/binding-rules?agent_id=${agent.id}`)).body.items).toHaveLength(1);
    expect((await w.admin('GET', `/binding-rules/${ruleId}`)).body).toMatchObject({ issuer_id: issuerId, agent_id: agent.id });

    // A static JWKS issuer signs in with no fetch at all.
    const signed = (sub: string) => {
      const iat = Math.floor(w.t.clock.now() / 1000);
      return new SignJWT({ iss: K8S_ISS, aud: ISSUER, sub, iat, exp: iat + 300 }).setProtectedHeader({ alg: 'ES256', kid: 'static-1' }).sign(privateKey);
    };
    const ok = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signed('system:serviceaccount:ops:static-bot') });
    expect(ok.statusCode, ok.body).toBe(200);
    // Without jti, the issuer's tokens may be presented again (RFC 7523 §3 item 7 makes jti optional).
    expect((await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signed('system:serviceaccount:ops:static-bot') })).statusCode).toBe(200);

    const patched = await w.admin('PATCH', `/binding-rules/${ruleId}`, { claims: { '/sub': 'system:serviceaccount:ops:renamed' } });
    expect(patched.status).toBe(200);
    expect((await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signed('system:serviceaccount:ops:static-bot') })).statusCode).toBe(400);
    expect((await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signed('system:serviceaccount:ops:renamed') })).statusCode).toBe(200);

    const issuerPatched = await w.admin('PATCH', `/trusted-issuers/${issuerId}`, { audiences: ['https://other.example'], max_token_lifetime: 600 });
    expect(issuerPatched.body).toMatchObject({ audiences: ['https://other.example'], max_token_lifetime: 600, issuer: K8S_ISS });
    expect((await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signed('system:serviceaccount:ops:renamed') })).statusCode).toBe(400);
    expect((await w.admin('PATCH', `/trusted-issuers/${issuerId}`, { issuer: 'https://new.example' })).status).toBe(400);

    expect((await w.admin('DELETE', `/trusted-issuers/${issuerId}`)).status).toBe(409);
    expect((await w.admin('DELETE', `/binding-rules/${ruleId}`)).status).toBe(204);
    expect((await w.admin('DELETE', `/binding-rules/${ruleId}`)).status).toBe(404);
    expect((await w.admin('DELETE', `/trusted-issuers/${issuerId}`)).status).toBe(204);
    expect((await w.admin('GET', `/trusted-issuers/${issuerId}`)).status).toBe(404);

    for (const event of ['trusted_issuer.created', 'trusted_issuer.updated', 'trusted_issuer.deleted', 'binding_rule.created', 'binding_rule.updated', 'binding_rule.deleted']) {
      const records = await auditOf(event);
      expect(records.length, event).toBeGreaterThan(0);
      expect(records.at(-1)?.actor).toBe('admin:bootstrap');
    }
    expect((await auditOf('binding_rule.created')).at(-1)?.details).toMatchObject({ binding_rule_id: ruleId, trusted_issuer_id: issuerId, agent_id: agent.id });
  });

  it('an agent registered with jwks_uri authenticates with private_key_jwt, and a rotated key is found', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    w.served.set('/agents/remote/jwks', { keys: [{ ...(await exportJWK(publicKey)), kid: 'r1', alg: 'ES256' }] });
    const created = await w.admin('POST', '/agents', {
      name: 'remote-keys',
      owner: 'team',
      scopes: ['orders:read'],
      resources: ['https://api.example.com'],
      jwks_uri: `${w.https.url}/agents/remote/jwks`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const remote: TestAgent = { id: (created.body.agent as { id: string }).id, privateKey, publicJwk: {}, kid: 'r1' };
    const login = async (a: TestAgent) =>
      token({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(a, w.t.clock.now()) });

    const first = await login(remote);
    expect(first.statusCode, first.body).toBe(200);
    expect(decodeJwt(first.json().access_token).sub).toBe(remote.id);
    const issued = (await auditOf('access_token.issued')).at(-1);
    expect(issued?.details.credential_id).toBe('jwks_uri');

    // The agent rotates: the new kid is fetched once the cooldown allows.
    const next = await generateKeyPair('ES256', { extractable: true });
    w.served.set('/agents/remote/jwks', { keys: [{ ...(await exportJWK(next.publicKey)), kid: 'r2', alg: 'ES256' }] });
    w.t.clock.advance(31_000);
    const rotated = await login({ ...remote, privateKey: next.privateKey, kid: 'r2' });
    expect(rotated.statusCode, rotated.body).toBe(200);

    // A kid the JWKS does not have is refused, and refused without another fetch within the cooldown.
    const hits = w.https.hits.length;
    const refused = await login({ ...remote, privateKey: next.privateKey, kid: 'r3' });
    expect(refused.statusCode).toBe(401);
    expect(w.https.hits.length).toBe(hits);
    expect((await auditOf('client_authentication.failed')).at(-1)?.reason).toContain('unknown kid');
  });

  it('a jwks_uri on a private address is refused unless the operator allowed private networks', async () => {
    const { startTestServer } = await import('../support/test-server.js');
    const strict = await startTestServer(backend);
    try {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      w.served.set('/agents/strict/jwks', { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
      const created = await strict.server.app.inject({
        method: 'POST',
        url: '/admin/v1/agents',
        headers: { authorization: `Bearer ${(await import('../support/test-server.js')).BOOTSTRAP_TOKEN}` },
        payload: { name: 'strict', owner: 'team', resources: ['https://api.example.com'], jwks_uri: `${w.https.url}/agents/strict/jwks` },
      });
      const id = (created.json() as { agent: { id: string } }).agent.id;
      const hits = w.https.hits.length;
      const response = await strict.server.app.inject({
        method: 'POST',
        url: '/token',
        headers: FORM,
        payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion({ id, privateKey, publicJwk: {}, kid: 'k1' }, strict.clock.now()) }),
      });
      expect(response.statusCode).toBe(401);
      expect(w.https.hits.length).toBe(hits);
      const failure = (await strict.server.deps.store.queryAudit({ event: 'client_authentication.failed' }, { limit: 10 })).items.at(-1);
      expect(failure?.reason).toContain('jwks_uri unavailable (address)');
    } finally {
      await strict.close();
    }
  });

  it('a trusted issuer JWT is a subject_token for RFC 8693 token exchange', async () => {
    const k8s = await w.issuer('https://k8s.exchange.example', '/exchange/jwks');
    const issuer = await w.admin('POST', '/trusted-issuers', { issuer: k8s.iss, jwks_uri: k8s.jwksUrl, audiences: [ISSUER] });
    const subjectAgent = await createAgent(w.t.server, { name: 'exchange-subject' });
    await w.admin('POST', '/binding-rules', { issuer_id: issuer.body.id, agent_id: subjectAgent.id, claims: { '/sub': 'system:serviceaccount:ops:worker' } });
    const actor = await createAgent(w.t.server, { name: 'exchange-actor', grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'] });
    // Acting for the federated workload is delegation: the actor presents a token of its own.
    const own = await token({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(actor, w.t.clock.now()) });
    expect(own.statusCode, own.body).toBe(200);
    const response = await token({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: await k8s.sign(kubernetesClaims('ops', 'worker', ISSUER)),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      actor_token: own.json().access_token,
      actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'orders:read',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await clientAssertion(actor, w.t.clock.now()),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(decodeJwt(response.json().access_token)).toMatchObject({ sub: subjectAgent.id, act: { sub: actor.id } });
  });
});
