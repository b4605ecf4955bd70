import { createHash, randomBytes } from 'node:crypto';
import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN } from '@agentauth/protocol';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, createSignalsFeed, VerificationError, type ResourceServer, type SignalsFeed } from '../src/index.js';
import { onlyWakeUpsEndLongPolls } from '../../server/test/support/long-poll-wake-ups.js';
import { ADMIN, auditOf, createPerson, field, signIn } from '../../server/test/people/people-harness.js';
import { BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const REDIRECT = 'http://127.0.0.1:4567/callback';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let server: RealServer;
let feed: SignalsFeed;
let rs: ResourceServer;
let clientId: string;
let agent: TestAgent;
let inspector: TestAgent;

beforeAll(async () => {
  server = await startRealServer({ AGENTAUTH_AUTHORIZATION_RESOURCES: RESOURCE, AGENTAUTH_OPEN_PUBLIC_CLIENT_REGISTRATION: 'true' });
  const service = await createAgent(server.server, { name: 'mcp-server', scopes: ['agentauth:signals'], resources: [server.issuer] });
  feed = createSignalsFeed({ issuer: server.issuer, credentials: { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid }, now: () => server.clock.now() });
  await feed.start();
  rs = createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: feed });
  const registered = await server.server.app.inject({
    method: 'POST',
    url: '/register',
    payload: { client_name: 'Desktop MCP', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'orders:read' },
  });
  clientId = (registered.json() as { client_id: string }).client_id;
  agent = await createAgent(server.server, { name: 'order assistant', grant_types: ['client_credentials', GRANT_TOKEN_EXCHANGE], resources: [RESOURCE], scopes: ['orders:read'] });
  inspector = await createAgent(server.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
});
afterAll(async () => {
  await feed.close();
  await server.close();
});

/** POST /token through the real socket, authenticated as `as` (private_key_jwt) unless null. */
async function token(as: TestAgent | null, params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const auth: Record<string, string> = as === null ? {} : { client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(as, server.clock.now(), { claims: { aud: server.issuer } }) };
  const response = await fetch(`${server.issuer}/token`, { method: 'POST', headers: FORM, body: form({ ...params, ...auth }) });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** A person's access and refresh tokens through the authorization code flow (sign-in, consent, code). */
async function personTokens(email: string): Promise<{ access: string; refresh: string }> {
  const cookie = { cookie: `__Host-agentauth-session=${await signIn(server, email)}` };
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource: RESOURCE, scope: 'orders:read', state: 's' });
  const page = await server.server.app.inject({ method: 'GET', url: `/authorize?${query.toString()}`, headers: cookie });
  const answered = await server.server.app.inject({ method: 'POST', url: '/authorize', headers: { ...cookie, ...FORM }, payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), request: query.toString(), decision: 'allow' }).toString() });
  const code = new URL(answered.headers.location as string).searchParams.get('code') ?? '';
  const issued = await token(null, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
  expect(issued.status, JSON.stringify(issued.body)).toBe(200);
  return { access: issued.body['access_token'] ?? '', refresh: issued.body['refresh_token'] ?? '' };
}

/** The agent exchanges the person's token for one acting for them (RFC 8693, its own token as actor_token). */
async function actFor(subject: string): Promise<string> {
  const own = await token(agent, { grant_type: 'client_credentials', resource: RESOURCE });
  const exchanged = await token(agent, { grant_type: GRANT_TOKEN_EXCHANGE, subject_token: subject, subject_token_type: TOKEN_TYPE_ACCESS_TOKEN, actor_token: own.body['access_token'] ?? '', actor_token_type: TOKEN_TYPE_ACCESS_TOKEN });
  expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
  return exchanged.body['access_token'] ?? '';
}

async function introspect(value: string): Promise<Record<string, unknown>> {
  const assertion = await clientAssertion(inspector, server.clock.now(), { claims: { aud: server.issuer } });
  const response = await fetch(`${server.issuer}/introspect`, { method: 'POST', headers: FORM, body: form({ token: value, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) });
  return (await response.json()) as Record<string, unknown>;
}

const bearer = (value: string) => new Request(`${RESOURCE}/tools`, { headers: { authorization: `Bearer ${value}` } });

/** Resolves once `rs` refuses the token as revoked; a feed that never learns fails on the test's timeout. */
async function untilRefused(value: string): Promise<void> {
  for (;;) {
    try {
      await rs.verifyRequest(bearer(value));
    } catch (error) {
      if (error instanceof VerificationError && error.code === 'ERR_TOKEN_REVOKED') return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('suspending a person reaches resource servers (CAEP session-revoked about the person)', () => {
  it('refuses the person\'s token and the agent\'s delegated token once the held long poll is woken; they stay revoked after a resume', async () => {
    const userId = await createPerson(server, 'ada@example.com', []);
    const person = await personTokens('ada@example.com');
    const delegatedToken = await actFor(person.access);
    expect(decodeJwt(delegatedToken)).toMatchObject({ sub: userId, act: { sub: agent.id } });
    await expect(rs.verifyRequest(bearer(person.access))).resolves.toBeDefined();
    await expect(rs.verifyRequest(bearer(delegatedToken))).resolves.toBeDefined();
    // Another person's token is untouched by Ada's suspension.
    await createPerson(server, 'bob@example.com', []);
    const bobs = await personTokens('bob@example.com');

    const wakeUps = onlyWakeUpsEndLongPolls();
    try {
      await wakeUps.held(feed.status().streamId as string);
      const suspended = await fetch(`${server.issuer}/admin/v1/users/${userId}/suspend`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
      expect(suspended.status).toBe(200);
      await untilRefused(person.access);
      await untilRefused(delegatedToken);
    } finally {
      wakeUps.restore();
    }
    await expect(rs.verifyRequest(bearer(bobs.access))).resolves.toBeDefined();

    // Resumed, the person signs in again, but what they held stays revoked: the tokens by jti, the
    // refresh family with its authorization (their application asks them again).
    expect((await fetch(`${server.issuer}/admin/v1/users/${userId}/resume`, { method: 'POST', headers: ADMIN })).status).toBe(200);
    expect(await introspect(person.access)).toEqual({ active: false });
    expect(await introspect(delegatedToken)).toEqual({ active: false });
    const refreshed = await token(null, { grant_type: 'refresh_token', refresh_token: person.refresh, client_id: clientId });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await introspect(bobs.access)).toMatchObject({ active: true });

    const records = await auditOf(server);
    const jtis = [person.access, delegatedToken].map((t) => decodeJwt(t).jti);
    const revoked = records.filter((r) => r.event === 'access_token.revoked' && r.details['cause'] === 'person_suspended');
    expect(revoked.map((r) => r.details['jti'])).toEqual(expect.arrayContaining(jtis));
    expect(records.some((r) => r.event === 'authorization_grant.revoked' && r.reason === 'person_suspended' && r.details['user_id'] === userId && r.actor === 'admin:bootstrap')).toBe(true);
  });

  it('refuses them too once the person is deleted', async () => {
    const userId = await createPerson(server, 'carol@example.com', []);
    const person = await personTokens('carol@example.com');
    const delegatedToken = await actFor(person.access);
    await expect(rs.verifyRequest(bearer(delegatedToken))).resolves.toBeDefined();
    expect((await fetch(`${server.issuer}/admin/v1/users/${userId}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    await untilRefused(person.access);
    await untilRefused(delegatedToken);
    const records = await auditOf(server);
    expect(records.filter((r) => r.event === 'access_token.revoked' && r.details['cause'] === 'person_deleted').map((r) => r.details['jti'])).toEqual(
      expect.arrayContaining([person.access, delegatedToken].map((t) => decodeJwt(t).jti)),
    );
  });
});
