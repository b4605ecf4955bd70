import { createHash, randomBytes } from 'node:crypto';
import { TOKEN_TYPE_ACCESS_TOKEN } from '@agentauth/protocol';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationEvent } from '../../../src/events/revocation-events.js';
import { roleAllows } from '../../../src/people/admin-roles.js';
import { ADMIN, auditOf, createPerson, field, signIn } from '../../people/people-harness.js';
import { createAgent, FORM, startTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { API, claimsOf, exchange, exchangingAgent, expectError, introspect, ownToken } from '../exchange/exchange-harness.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const REDIRECT = 'http://127.0.0.1:4567/callback';

/**
 * Agents acting for people (docs/people.md, "Agents acting for you"; docs/oauth.md, token
 * exchange): an agent exchanges a person's token (RFC 8693) for a narrower one, the person lists
 * and revokes it, and revoking cascades on the revocation feed.
 */
describe('exchange of a person\'s token and its delegation (RFC 8693, RFC 7662)', () => {
  let t: TestServer;
  let session: string;
  let userId: string;
  let clientId: string;
  let agent: TestAgent;
  let inspector: TestAgent;
  const events: RevocationEvent[] = [];
  const cookie = () => ({ cookie: `__Host-agentauth-session=${session}` });

  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_AUTHORIZATION_RESOURCES: RESOURCE, AGENTAUTH_OPEN_PUBLIC_CLIENT_REGISTRATION: 'true' });
    t.server.deps.events.subscribe((event) => events.push(event));
    userId = await createPerson(t, 'ada@example.com', []);
    session = await signIn(t, 'ada@example.com');
    const registered = await t.server.app.inject({
      method: 'POST',
      url: '/register',
      payload: { client_name: 'Ada MCP', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'orders:read orders:write' },
    });
    clientId = (registered.json() as { client_id: string }).client_id;
    // The agent may act on the MCP resource and another; it holds both scopes.
    agent = await exchangingAgent(t, 'Ada\'s order assistant', { resources: [RESOURCE, API], scopes: ['orders:read', 'orders:write'] });
    inspector = await createAgent(t.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
  });
  afterAll(() => t.close());

  /** A person's access token through the authorization code flow (the consent page, or a remembered consent). */
  async function personToken(scope = 'orders:read'): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource: RESOURCE, scope, state: 's' });
    const page = await t.server.app.inject({ method: 'GET', url: `/authorize?${query.toString()}`, headers: cookie() });
    let location: string;
    const remembered = /<a id="continue" href="([^"]+)"/.exec(page.body);
    if (remembered !== null) {
      location = (remembered[1] ?? '').replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
    } else {
      const answered = await t.server.app.inject({ method: 'POST', url: '/authorize', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), request: query.toString(), decision: 'allow' }).toString() });
      location = answered.headers.location as string;
    }
    const code = new URL(location).searchParams.get('code') ?? '';
    const response = await t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier }).toString() });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { access_token: string }).access_token;
  }

  /** The agent's exchange of a person's token, acting for them (its own token as actor_token). */
  async function actFor(subject: string, params: Record<string, string> = {}) {
    return exchange(t, agent, subject, { actor_token: await ownToken(t, agent), actor_token_type: TOKEN_TYPE_ACCESS_TOKEN, ...params });
  }

  const listed = async () => ((await t.server.app.inject({ method: 'GET', url: '/account/api/agents', headers: cookie() })).json() as { agents: Record<string, unknown>[] }).agents;
  const csrf = async () => /<meta name="csrf-token" content="([^"]+)">/.exec((await t.server.app.inject({ method: 'GET', url: '/account/agents', headers: cookie() })).body)?.[1] ?? '';

  it('introspects a person\'s token as active while the person and the authorization stand', async () => {
    const token = await personToken();
    expect(await introspect(t, inspector, token)).toMatchObject({ active: true, sub: userId, client_id: clientId, aud: RESOURCE, scope: 'orders:read' });
    // A person suspended: inactive at once, and revoked for good: resumed, the person holds a new token only after a new authorization.
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${userId}/suspend`, headers: ADMIN })).statusCode).toBe(200);
    expect(await introspect(t, inspector, token)).toEqual({ active: false });
    expect(events).toContainEqual(expect.objectContaining({ kind: 'person_revoked', userId, status: 'suspended' }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'token_revoked', jti: claimsOf(token).jti, reason: 'cascade' }));
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${userId}/resume`, headers: ADMIN })).statusCode).toBe(200);
    session = await signIn(t, 'ada@example.com');
    expect(await introspect(t, inspector, token)).toEqual({ active: false });
    expect(await introspect(t, inspector, await personToken())).toMatchObject({ active: true });
  });

  it('exchanges a person\'s token for a narrower one acting for them, and records the agent', async () => {
    const subject = await personToken('orders:read orders:write');
    const response = await actFor(subject, { scope: 'orders:read', expires_in: '60', task_id: 'summarise-orders' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { access_token: string; scope: string; issued_token_type: string };
    expect(body).toMatchObject({ scope: 'orders:read', issued_token_type: TOKEN_TYPE_ACCESS_TOKEN });
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({ sub: userId, client_id: agent.id, act: { sub: agent.id }, aud: RESOURCE, scope: 'orders:read', task_id: 'summarise-orders' });
    expect(claims.exp).toBeLessThanOrEqual(claimsOf(subject).exp);
    expect(claims.exp - claims.iat).toBe(60);
    expect(await introspect(t, inspector, body.access_token)).toMatchObject({ active: true, sub: userId, act: { sub: agent.id } });

    // Without `scope`: what both the person's token and the agent allow.
    const wide = await actFor(subject);
    expect((wide.json() as { scope: string }).scope).toBe('orders:read orders:write');

    const records = await auditOf(t);
    expect(records.filter((r) => r.event === 'delegation.created')).toHaveLength(1);
    expect(records.find((r) => r.event === 'delegation.created')?.details).toMatchObject({ user_id: userId, agent_id: agent.id, client_id: clientId });
    expect(records.filter((r) => r.event === 'access_token.issued' && r.details['user_id'] === userId && r.details['actor'] === agent.id).length).toBeGreaterThanOrEqual(2);
    expect(await listed()).toEqual([expect.objectContaining({ agent_id: agent.id, agent_name: 'Ada\'s order assistant', client_id: clientId, client_name: 'Ada MCP', scope: 'orders:read orders:write', resources: [RESOURCE], revoked_at: null })]);
  });

  it('refuses widening the scope, another resource, a token not from this server, and delegation without an actor_token', async () => {
    const subject = await personToken('orders:read');
    expectError(await actFor(subject, { scope: 'orders:write' }), 'invalid_scope');
    // The agent may have API, but the person authorized only the MCP resource.
    const moved = await actFor(subject, { resource: API });
    expectError(moved, 'invalid_target');
    expect((moved.json() as { error_description: string }).error_description).toContain('never moved to another resource');
    expectError(await actFor(subject, { resource: 'https://unknown.example.com' }), 'invalid_target');
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ sub: userId, aud: RESOURCE, scope: 'orders:read', client_id: clientId, jti: 'x' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k' })
      .setIssuer('https://elsewhere.example.com')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expectError(await actFor(foreign), 'invalid_request');
    expectError(await exchange(t, agent, subject), 'invalid_request');
  });

  it('refuses to exchange the token of a suspended person', async () => {
    const subject = await personToken();
    await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${userId}/suspend`, headers: ADMIN });
    try {
      expectError(await actFor(subject), 'invalid_request');
      // Refused as revoked (suspending the person revoked their tokens) or, should that lag, as the token of a suspended person.
      expect((await auditOf(t)).some((r) => r.event === 'access_token.denied' && /the person is suspended|revoked/.test(String(r.reason)))).toBe(true);
    } finally {
      await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${userId}/resume`, headers: ADMIN });
      session = await signIn(t, 'ada@example.com');
    }
  });

  it('lets the person revoke the agent: its tokens are revoked on the feed, and exchanges refused until a new authorization', async () => {
    const subject = await personToken();
    const first = (await actFor(subject)).json() as { access_token: string };
    // The agent narrows its delegated token further (same actor): a descendant in the lineage.
    const narrowed = (await exchange(t, agent, first.access_token, { task_id: 'one-task' })).json() as { access_token: string };
    expect(claimsOf(narrowed.access_token)).toMatchObject({ sub: userId, act: { sub: agent.id }, task_id: 'one-task' });

    const page = await t.server.app.inject({ method: 'GET', url: '/account/agents', headers: cookie() });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Ada&#39;s order assistant');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const forged = await t.server.app.inject({ method: 'POST', url: '/account/agents/revoke', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: 'forged', agent_id: agent.id }).toString() });
    expect(forged.statusCode).toBe(403);
    expect((await t.server.app.inject({ method: 'DELETE', url: `/account/api/agents/${agent.id}`, headers: { ...cookie(), 'x-csrf-token': 'forged' } })).statusCode).toBe(403);

    const revoked = await t.server.app.inject({ method: 'DELETE', url: `/account/api/agents/${agent.id}`, headers: { ...cookie(), 'x-csrf-token': await csrf() } });
    expect(revoked.statusCode).toBe(204);
    expect(await introspect(t, inspector, first.access_token)).toEqual({ active: false });
    expect(await introspect(t, inspector, narrowed.access_token)).toEqual({ active: false });
    const feed = events.filter((e) => e.kind === 'token_revoked' && e.reason === 'cascade').map((e) => (e as { jti: string }).jti);
    expect(feed).toEqual(expect.arrayContaining([claimsOf(first.access_token).jti, claimsOf(narrowed.access_token).jti]));
    // The person's own token is untouched: only what the agent obtained is revoked.
    expect(await introspect(t, inspector, subject)).toMatchObject({ active: true });

    // Refused from now on, with the person's token and with a refreshed one of the same authorization.
    expectError(await actFor(subject), 'invalid_request');
    expect((await t.server.app.inject({ method: 'DELETE', url: `/account/api/agents/${agent.id}`, headers: { ...cookie(), 'x-csrf-token': await csrf() } })).statusCode).toBe(404);
    expect(await listed()).toEqual([expect.objectContaining({ agent_id: agent.id, revoked_at: expect.any(String) })]);
    expect((await t.server.app.inject({ method: 'GET', url: '/account/agents', headers: cookie() })).body).toContain('Revoked');

    // The remembered consent no longer lets a code through without asking: re-enabling the agent
    // takes the person's click on the consent page.
    t.clock.advance(1000);
    const ask = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'), code_challenge_method: 'S256', resource: RESOURCE, scope: 'orders:read', state: 's' });
    const shown = await t.server.app.inject({ method: 'GET', url: `/authorize?${ask.toString()}`, headers: cookie() });
    expect(shown.body).not.toContain('id="continue"');
    expect(shown.body).toContain('id="allow"');
    // A new authorization (the person goes through /authorize again and allows it) re-enables the agent.
    const fresh = await personToken();
    const again = await actFor(fresh);
    expect(again.statusCode, again.body).toBe(200);
    expect(await introspect(t, inspector, (again.json() as { access_token: string }).access_token)).toMatchObject({ active: true });
    expect(await introspect(t, inspector, first.access_token)).toEqual({ active: false });
    expect(await listed()).toEqual([expect.objectContaining({ agent_id: agent.id, revoked_at: null })]);
    const records = await auditOf(t);
    expect(records.map((r) => r.event)).toEqual(expect.arrayContaining(['delegation.revoked', 'delegation.resumed']));
    expect(records.some((r) => r.event === 'access_token.revoked' && r.details['cause'] === 'delegation_revoked' && r.details['jti'] === claimsOf(first.access_token).jti)).toBe(true);
    expect(records.some((r) => r.event === 'access_token.denied' && r.reason?.startsWith('invalid_request'))).toBe(true);
  });

  it('revokes through the page form too', async () => {
    const token = ((await actFor(await personToken())).json() as { access_token: string }).access_token;
    const answered = await t.server.app.inject({ method: 'POST', url: '/account/agents/revoke', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: await csrf(), agent_id: agent.id }).toString() });
    expect(answered.statusCode).toBe(303);
    expect(answered.headers.location).toBe('/account/agents?revoked=1');
    expect(await introspect(t, inspector, token)).toEqual({ active: false });
  });

  it('lets a second agent act for the person through the first; revoking the first revokes the second\'s token too', async () => {
    const second = await exchangingAgent(t, 'Ada\'s mailer', { resources: [RESOURCE], scopes: ['orders:read'] });
    // The agent was revoked above: a new authorization, given later, re-enables it.
    t.clock.advance(1000);
    const first = ((await actFor(await personToken())).json() as { access_token: string }).access_token;
    const hop = await exchange(t, second, first, { actor_token: await ownToken(t, second, { resource: RESOURCE }), actor_token_type: TOKEN_TYPE_ACCESS_TOKEN });
    expect(hop.statusCode, hop.body).toBe(200);
    const token = (hop.json() as { access_token: string }).access_token;
    expect(claimsOf(token)).toMatchObject({ sub: userId, client_id: second.id, act: { sub: second.id, act: { sub: agent.id } } });
    expect((await listed()).map((d) => d['agent_id'])).toEqual(expect.arrayContaining([agent.id, second.id]));
    expect((await t.server.app.inject({ method: 'DELETE', url: `/account/api/agents/${agent.id}`, headers: { ...cookie(), 'x-csrf-token': await csrf() } })).statusCode).toBe(204);
    expect(await introspect(t, inspector, token)).toEqual({ active: false });
    // The second agent still acts for the person with tokens that do not pass through the first.
    const direct = await exchange(t, second, await personToken(), { actor_token: await ownToken(t, second, { resource: RESOURCE }), actor_token_type: TOKEN_TYPE_ACCESS_TOKEN });
    expect(direct.statusCode, direct.body).toBe(200);
  });

  it('shows operators the agents acting for a person and lets them revoke one (admin API)', async () => {
    t.clock.advance(1000);
    const token = ((await actFor(await personToken())).json() as { access_token: string }).access_token;
    const list = await t.server.app.inject({ method: 'GET', url: `/admin/v1/users/${userId}/delegations`, headers: ADMIN });
    expect(list.statusCode).toBe(200);
    expect((list.json() as { items: Record<string, unknown>[] }).items).toEqual(expect.arrayContaining([expect.objectContaining({ agent_id: agent.id, client_id: clientId, revoked_at: null })]));
    const revoked = await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${userId}/delegations/${agent.id}/revoke`, headers: ADMIN });
    expect(revoked.statusCode).toBe(204);
    expect(await introspect(t, inspector, token)).toEqual({ active: false });
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${userId}/delegations/${agent.id}/revoke`, headers: ADMIN })).statusCode).toBe(404);
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/users/usr_nobody/delegations', headers: ADMIN })).statusCode).toBe(404);
    expect(roleAllows(['operator'], 'POST', '/users/:id/delegations/:agent_id/revoke')).toBe(true);
    expect(roleAllows(['auditor'], 'POST', '/users/:id/delegations/:agent_id/revoke')).toBe(false);
    expect(roleAllows(['auditor'], 'GET', '/users/:id/delegations')).toBe(true);
    const record = (await auditOf(t)).filter((r) => r.event === 'delegation.revoked').pop();
    expect(record).toMatchObject({ actor: 'admin:bootstrap', details: { user_id: userId, agent_id: agent.id } });
  });

  it('lets the Cedar policies decide an exchange for a person, the person as context.subject', async () => {
    t.clock.advance(1000);
    const subject = await personToken();
    const ctx = { actor: 'admin:bootstrap', sourceIp: '127.0.0.1', requestId: null };
    await t.server.deps.policies.service.apply({ source: `@id("allow-list") permit (principal, action, resource);\n@id("no-acting-for-ada") forbid (principal, action == Action::"exchange_token", resource) when { context.subject == "${userId}" };`, replace: true }, ctx, null);
    try {
      const refused = await actFor(subject);
      expect(refused.statusCode).toBe(400);
      const denied = (await auditOf(t)).filter((r) => r.event === 'access_token.denied').pop();
      expect(JSON.stringify(denied?.details['policy'])).toContain('no-acting-for-ada');
    } finally {
      await t.server.deps.policies.service.apply({ source: '@id("allow-list") permit (principal, action, resource);', replace: true }, ctx, null);
    }
    expect((await actFor(subject)).statusCode).toBe(200);
  });

  it('sends a person who is not signed in to the sign-in page', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/account/agents' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/login?return_to=%2Faccount%2Fagents');
    expect((await t.server.app.inject({ method: 'GET', url: '/account/api/agents' })).statusCode).toBe(401);
  });

  it('answers inactive for a person\'s token once the authorization is revoked (consent revoked)', async () => {
    const token = await personToken();
    const consents = await t.server.app.inject({ method: 'GET', url: '/account/consents', headers: cookie() });
    await t.server.app.inject({ method: 'POST', url: '/account/consents/revoke', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: field(consents.body, 'csrf'), client_id: clientId, resource: RESOURCE }).toString() });
    expect(await introspect(t, inspector, token)).toEqual({ active: false });
    expectError(await actFor(token), 'invalid_request');
  });
});
