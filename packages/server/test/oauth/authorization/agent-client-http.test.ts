import { createHash, randomBytes } from 'node:crypto';
import { actorChain, verifyAccessToken } from '@agentauth/resource-server';
import { decodeJwt, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationEvent } from '../../../src/events/revocation-events.js';
import { ADMIN, auditOf, createPerson, field, signIn } from '../../people/people-harness.js';
import { ASSERTION_TYPE, clientAssertion, createAgent, ISSUER, startTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { dpopKey, proofFor } from '../dpop/dpop-support.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const REDIRECT = 'https://assistant.example.com/callback';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const decode = (html: string) => html.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));

/**
 * A registered agent as a confidential client of the authorization code flow (docs/oauth.md,
 * "Agents as clients of the authorization code flow"): a person signs in to the agent, which
 * authenticates with private_key_jwt at /token and gets tokens that say it acts for the person.
 */
describe('agents as confidential clients of the authorization code flow (RFC 6749 §4.1, RFC 8693 §4.1)', () => {
  let t: TestServer;
  let session: string;
  let userId: string;
  let agent: TestAgent;
  let other: TestAgent;
  let inspector: TestAgent;
  let publicClientId: string;
  const events: RevocationEvent[] = [];
  const cookie = () => ({ cookie: `__Host-agentauth-session=${session}` });

  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_AUTHORIZATION_RESOURCES: RESOURCE, AGENTAUTH_OPEN_PUBLIC_CLIENT_REGISTRATION: 'true' });
    t.server.deps.events.subscribe((event) => events.push(event));
    userId = await createPerson(t, 'ada@example.com', []);
    session = await signIn(t, 'ada@example.com');
    agent = await createAgent(t.server, { name: 'Ada assistant', owner: 'team-assist', scopes: ['orders:read', 'orders:write', 'agentauth:introspect'], redirect_uris: [REDIRECT] });
    other = await createAgent(t.server, { name: 'Other agent', redirect_uris: ['https://other.example.com/cb', REDIRECT] });
    inspector = await createAgent(t.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
    const registered = await t.server.app.inject({
      method: 'POST',
      url: '/register',
      payload: { client_name: 'Public app', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'orders:read' },
    });
    publicClientId = (registered.json() as { client_id: string }).client_id;
  });
  afterAll(() => t.close());

  const authorizeUrl = (over: Record<string, string | undefined> = {}, challenge = pkce().challenge) => {
    const params: Record<string, string | undefined> = { response_type: 'code', client_id: agent.id, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', resource: RESOURCE, scope: 'orders:read', state: 'st-1', ...over };
    return `/authorize?${new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString()}`;
  };

  /** Through the consent page (or a remembered consent): the redirect back to the agent. */
  async function consent(url: string): Promise<URL> {
    const page = await t.server.app.inject({ method: 'GET', url, headers: cookie() });
    const remembered = /<a id="continue" href="([^"]+)"/.exec(page.body);
    if (remembered !== null) return new URL(decode(remembered[1] ?? ''));
    expect(page.statusCode, page.body).toBe(200);
    const answered = await t.server.app.inject({ method: 'POST', url: '/authorize', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), request: decode(field(page.body, 'request')), decision: 'allow' }).toString() });
    expect(answered.statusCode).toBe(303);
    return new URL(answered.headers.location as string);
  }

  async function codeFor(challenge: string, over: Record<string, string> = {}): Promise<string> {
    const code = (await consent(authorizeUrl(over, challenge))).searchParams.get('code');
    if (code === null) throw new Error('no code');
    return code;
  }

  const token = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    t.server.app.inject({ method: 'POST', url: '/token', headers: { ...FORM, ...headers }, payload: new URLSearchParams(params).toString() });
  const asAgent = async (who: TestAgent) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(who, t.clock.now()) });

  async function redeem(): Promise<{ access_token: string; refresh_token: string; token_type: string }> {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const response = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...(await asAgent(agent)) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { access_token: string; refresh_token: string; token_type: string };
  }

  async function introspect(accessToken: string): Promise<Record<string, unknown>> {
    const payload = new URLSearchParams({ token: accessToken, ...(await asAgent(inspector)) }).toString();
    return (await t.server.app.inject({ method: 'POST', url: '/introspect', headers: FORM, payload })).json() as Record<string, unknown>;
  }

  it('names the agent and its owner on the consent page, never offering agentauth:* scopes', async () => {
    const page = await t.server.app.inject({ method: 'GET', url: authorizeUrl({ scope: undefined }), headers: cookie() });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<strong id="agent-owner">team-assist</strong>');
    expect(page.body).toContain('Ada assistant</strong>');
    expect(page.body).toContain(`<code id="client-id">${agent.id}</code>`);
    expect(page.body).toContain('<code>orders:write</code>');
    expect(page.body).not.toContain('agentauth:introspect');
  });

  it('issues a token with sub the person, client_id the agent and act naming the agent, seen alike by introspection and the resource-server SDK', async () => {
    const body = await redeem();
    expect(body.token_type).toBe('Bearer');
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: userId, client_id: agent.id, act: { sub: agent.id }, aud: RESOURCE, scope: 'orders:read', iss: ISSUER });

    expect(await introspect(body.access_token)).toMatchObject({ active: true, sub: userId, client_id: agent.id, act: { sub: agent.id } });

    const jwks = (await t.server.app.inject({ method: 'GET', url: '/jwks' })).json() as { keys: (JWK & { kid: string })[] };
    const verified = await verifyAccessToken(body.access_token, {
      issuer: ISSUER,
      audience: RESOURCE,
      algorithms: ['ES256', 'EdDSA', 'PS256'],
      getKey: async ({ kid }) => {
        const jwk = jwks.keys.find((k) => k.kid === kid);
        return jwk === undefined ? undefined : ((await importJWK(jwk, jwk.alg)) as CryptoKey);
      },
      now: () => t.clock.now(),
    });
    expect(verified.claims.sub).toBe(userId);
    expect(actorChain(verified.claims.act)).toEqual([{ sub: agent.id }]);

    const records = await auditOf(t);
    const issued = records.filter((r) => r.event === 'access_token.issued' && r.details['grant_type'] === 'authorization_code').at(-1);
    expect(issued).toMatchObject({ agentId: agent.id, actor: `agent:${agent.id}`, details: { auth_method: 'private_key_jwt', client_id: agent.id, act: { sub: agent.id } } });
    expect(records.some((r) => r.event === 'delegation.created' && r.agentId === agent.id)).toBe(true);
    const listed = (await t.server.app.inject({ method: 'GET', url: '/account/api/agents', headers: cookie() })).json() as { agents: Record<string, unknown>[] };
    expect(listed.agents).toEqual([expect.objectContaining({ agent_id: agent.id })]);
  });

  it('refuses a confidential client that does not authenticate: 401 invalid_client, the code unspent', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const bare = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: agent.id, code_verifier: verifier });
    expect(bare.statusCode).toBe(401);
    expect(bare.json()).toMatchObject({ error: 'invalid_client' });
    expect(bare.headers['www-authenticate']).toBeDefined();
    const forged = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: agent.id, code_verifier: verifier, client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now(), { key: other.privateKey }) });
    expect(forged.statusCode).toBe(401);
    // Authentication comes before the code is looked at: the agent can still redeem it.
    const good = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...(await asAgent(agent)) });
    expect(good.statusCode, good.body).toBe(200);
  });

  it('requires the agent to authenticate to refresh (RFC 6749 §6); its refresh tokens rotate and are not bound to a DPoP key', async () => {
    const key = await dpopKey();
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...(await asAgent(agent)) }, { dpop: await proofFor(t, key, {}, `${ISSUER}/token`) });
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json() as { access_token: string; refresh_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.access_token)).toMatchObject({ cnf: { jkt: expect.any(String) }, act: { sub: agent.id } });

    const bare = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: agent.id });
    expect(bare.statusCode).toBe(401);
    expect(bare.json()).toMatchObject({ error: 'invalid_client' });
    // Authenticated, without a proof: the family is the agent's, not the key's (RFC 9449 §5).
    const unproved = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, ...(await asAgent(agent)) });
    expect(unproved.statusCode, unproved.body).toBe(200);
    expect((unproved.json() as { token_type: string }).token_type).toBe('Bearer');
    // Another client presenting it: refused, and the family revoked (RFC 9700 §4.14.2).
    const next = (unproved.json() as { refresh_token: string }).refresh_token;
    const publicRefresh = await token({ grant_type: 'refresh_token', refresh_token: next, client_id: publicClientId });
    expect(publicRefresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await token({ grant_type: 'refresh_token', refresh_token: next, ...(await asAgent(agent)) })).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refreshes for the authenticated agent', async () => {
    const body = await redeem();
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, ...(await asAgent(agent)) });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const next = refreshed.json() as { access_token: string; refresh_token: string };
    expect(next.refresh_token).not.toBe(body.refresh_token);
    expect(decodeJwt(next.access_token)).toMatchObject({ sub: userId, client_id: agent.id, act: { sub: agent.id } });
  });

  it('refuses a code issued to the agent when another client redeems it, and revokes the authorization', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const stolen = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...(await asAgent(other)) });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toMatchObject({ error: 'invalid_grant' });
    const after = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...(await asAgent(agent)) });
    expect(after.json()).toMatchObject({ error: 'invalid_grant' });

    const second = pkce();
    const code2 = await codeFor(second.challenge);
    const byPublic = await token({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, client_id: publicClientId, code_verifier: second.verifier });
    expect(byPublic.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await token({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, code_verifier: second.verifier, ...(await asAgent(agent)) })).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('requires PKCE S256 at /authorize and the verifier at /token', async () => {
    const missing = await t.server.app.inject({ method: 'GET', url: authorizeUrl({ code_challenge: undefined, code_challenge_method: undefined }), headers: cookie() });
    expect(missing.statusCode).toBe(303);
    const back = new URL(missing.headers.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    const plain = await t.server.app.inject({ method: 'GET', url: authorizeUrl({ code_challenge_method: 'plain' }), headers: cookie() });
    expect(new URL(plain.headers.location as string).searchParams.get('error')).toBe('invalid_request');

    const { challenge } = pkce();
    const code = await codeFor(challenge);
    const noVerifier = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...(await asAgent(agent)) });
    expect(noVerifier.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('shows an error page, never a redirect, for a redirect URI the agent did not register or an agent without any', async () => {
    const withoutUris = await createAgent(t.server, { name: 'no redirect' });
    for (const url of [authorizeUrl({ redirect_uri: 'https://evil.example.com/callback' }), authorizeUrl({ redirect_uri: `${REDIRECT}/more` }), authorizeUrl({ client_id: withoutUris.id })]) {
      const response = await t.server.app.inject({ method: 'GET', url, headers: cookie() });
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('Authorization refused');
    }
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const wrong = await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://other.example.com/cb', code_verifier: verifier, ...(await asAgent(agent)) });
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant' });
    // An agent without redirect URIs is not a client of this flow at /token either.
    const unauthorized = await token({ grant_type: 'refresh_token', refresh_token: 'x', ...(await asAgent(withoutUris)) });
    expect(unauthorized.json()).toMatchObject({ error: 'unauthorized_client' });
  });

  it('refuses a suspended agent at /authorize (an error page, RFC 6749 §4.1.2.1) and at /token, and its tokens are inactive', async () => {
    const body = await redeem();
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
    try {
      const page = await t.server.app.inject({ method: 'GET', url: authorizeUrl(), headers: cookie() });
      expect(page.statusCode).toBe(400);
      expect(page.headers.location).toBeUndefined();
      expect(page.body).toContain('Authorization refused');
      const refused = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...(await asAgent(agent)) });
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toMatchObject({ error: 'invalid_client' });
      expect(await introspect(body.access_token)).toEqual({ active: false });
      const denied = (await auditOf(t)).filter((r) => r.event === 'authorization.denied' && r.reason?.startsWith('unauthorized_client'));
      expect(denied.length).toBeGreaterThanOrEqual(1);
    } finally {
      expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/resume`, headers: ADMIN })).statusCode).toBe(200);
    }
  });

  it('revokes the authorizations and tokens when the person revokes the agent at /account/agents, and asks again next time', async () => {
    t.clock.advance(1000);
    const body = await redeem();
    expect(await introspect(body.access_token)).toMatchObject({ active: true });
    const page = await t.server.app.inject({ method: 'GET', url: '/account/agents', headers: cookie() });
    expect(page.body).toContain('Ada assistant');
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)?.[1] ?? '';
    const revoked = await t.server.app.inject({ method: 'POST', url: '/account/agents/revoke', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf, agent_id: agent.id }).toString() });
    expect(revoked.statusCode).toBe(303);

    expect(await introspect(body.access_token)).toEqual({ active: false });
    expect(events.some((e) => e.kind === 'token_revoked' && (e as { jti: string }).jti === decodeJwt(body.access_token).jti)).toBe(true);
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, ...(await asAgent(agent)) });
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await auditOf(t)).some((r) => r.event === 'authorization_grant.revoked' && r.reason === 'delegation_revoked' && r.details['client_id'] === agent.id)).toBe(true);

    // The remembered consent no longer lets a code through: the person is asked again, and a new authorization re-enables the agent.
    t.clock.advance(1000);
    const ask = await t.server.app.inject({ method: 'GET', url: authorizeUrl(), headers: cookie() });
    expect(ask.body).toContain('id="allow"');
    const fresh = await redeem();
    expect(await introspect(fresh.access_token)).toMatchObject({ active: true });
    expect(await introspect(body.access_token)).toEqual({ active: false });
  });
});
