import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, auditOf, createPerson, postLogin, signIn } from './people-harness.js';
import { createAgent, FORM, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { introspect, ownToken, tokenRequest } from '../oauth/exchange/exchange-harness.js';

/**
 * An agent's owner steers it without being an operator (docs/people.md, "Your agents"): the owner
 * page and its JSON, through the real HTTP surface with a signed-in session; hostile callers get
 * 404 whether the agent exists or not.
 */
describe('a person\'s own agents (owner by id, email or group)', () => {
  let t: TestServer;
  let ada: { id: string; session: string };
  let bob: { id: string; session: string };
  let byEmail: TestAgent;
  let byId: TestAgent;
  let byGroup: TestAgent;
  let bobs: TestAgent;

  const cookie = (session: string) => ({ cookie: `__Host-agentauth-session=${session}` });
  const csrfOn = async (session: string) => /<meta name="csrf-token" content="([^"]+)">/.exec((await t.server.app.inject({ method: 'GET', url: '/account/owned-agents', headers: cookie(session) })).body)?.[1] ?? '';
  const listed = async (session: string) => ((await t.server.app.inject({ method: 'GET', url: '/account/api/owned-agents', headers: cookie(session) })).json() as { agents: { agent_id: string; status: string }[] }).agents;
  const call = async (session: string, agentId: string, verb: 'suspend' | 'resume', csrf?: string) =>
    t.server.app.inject({ method: 'POST', url: `/account/api/owned-agents/${agentId}/${verb}`, headers: { ...cookie(session), 'x-csrf-token': csrf ?? (await csrfOn(session)) } });
  const setGroups = (id: string, groups: string[]) => t.server.app.inject({ method: 'PATCH', url: `/admin/v1/users/${id}`, headers: ADMIN, payload: { groups } });

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    const adaId = await createPerson(t, 'ada@example.com', []);
    const bobId = await createPerson(t, 'bob@example.com', []);
    expect((await setGroups(adaId, ['sre'])).statusCode).toBe(200);
    ada = { id: adaId, session: await signIn(t, 'ada@example.com') };
    bob = { id: bobId, session: await signIn(t, 'bob@example.com') };
    byEmail = await createAgent(t.server, { name: 'Ada\'s <reporter>', owner: 'ada@example.com', labels: { team: 'data' } });
    byId = await createAgent(t.server, { name: 'Ada\'s mailer', owner: adaId });
    byGroup = await createAgent(t.server, { name: 'SRE pager', owner: 'group:sre' });
    bobs = await createAgent(t.server, { name: 'Bob\'s bot', owner: 'bob@example.com' });
  });
  afterAll(() => t.close());

  it('lists the agents a person owns, directly and through their group, on the page and as JSON, without a role', async () => {
    const page = await t.server.app.inject({ method: 'GET', url: '/account/owned-agents', headers: cookie(ada.session) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('Ada&#39;s &#60;reporter&#62;');
    expect(page.body).toContain('<code>team=data</code>');
    expect(page.body).not.toContain(bobs.id);
    expect((await listed(ada.session)).map((a) => a.agent_id).sort()).toEqual([byEmail.id, byId.id, byGroup.id].sort());
    expect(await listed(bob.session)).toEqual([expect.objectContaining({ agent_id: bobs.id, name: 'Bob\'s bot', status: 'active', labels: {}, last_seen_at: null })]);
    const one = await t.server.app.inject({ method: 'GET', url: `/account/api/owned-agents/${byEmail.id}`, headers: cookie(ada.session) });
    expect(one.json()).toMatchObject({ agent_id: byEmail.id, owner: 'ada@example.com', labels: { team: 'data' } });
    expect((await t.server.app.inject({ method: 'GET', url: '/account', headers: cookie(ada.session) })).body).toContain('href="/account/owned-agents"');
  });

  it('suspends an own agent (its tokens stop at once) and resumes it, audited with the person as actor', async () => {
    const before = await ownToken(t, byId);
    const suspended = await call(ada.session, byId.id, 'suspend');
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect(suspended.json()).toMatchObject({ agent_id: byId.id, status: 'suspended' });
    expect((await tokenRequest(t, byId, { grant_type: 'client_credentials', resource: 'https://api.example.com' })).statusCode).toBe(401);
    t.clock.advance(1000);
    const resumed = await call(ada.session, byId.id, 'resume');
    expect(resumed.json()).toMatchObject({ status: 'active' });
    expect((await tokenRequest(t, byId, { grant_type: 'client_credentials', resource: 'https://api.example.com' })).statusCode).toBe(200);
    // A token from before the suspension stays revoked after the resumption.
    const inspector = await createAgent(t.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
    expect(await introspect(t, inspector, before)).toEqual({ active: false });
    const records = (await auditOf(t)).filter((r) => r.agentId === byId.id && (r.event === 'agent.suspended' || r.event === 'agent.resumed'));
    expect(records.map((r) => [r.event, r.actor])).toEqual([
      ['agent.suspended', `user:${ada.id}`],
      ['agent.resumed', `user:${ada.id}`],
    ]);
    expect(records[0]?.details).toMatchObject({ suspended_by: 'owner', previous_status: 'active' });
  });

  it('acts through the page forms too, CSRF-checked', async () => {
    const form = (verb: string, csrf: string, agentId = byGroup.id) =>
      t.server.app.inject({ method: 'POST', url: `/account/owned-agents/${verb}`, headers: { ...cookie(ada.session), ...FORM }, payload: new URLSearchParams({ csrf, agent_id: agentId }).toString() });
    const forged = await form('suspend', 'forged');
    expect(forged.statusCode).toBe(403);
    expect((await listed(ada.session)).find((a) => a.agent_id === byGroup.id)?.status).toBe('active');
    const done = await form('suspend', await csrfOn(ada.session));
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/account/owned-agents?done=suspended');
    expect((await t.server.app.inject({ method: 'GET', url: '/account/owned-agents?done=suspended', headers: cookie(ada.session) })).body).toContain('Suspended: every token it held is inactive now.');
    expect((await form('resume', await csrfOn(ada.session))).headers.location).toBe('/account/owned-agents?done=resumed');
    expect((await form('suspend', await csrfOn(ada.session), bobs.id)).statusCode).toBe(404);
    expect((await auditOf(t)).some((r) => r.event === 'authorization.denied' && String(r.reason).includes('/account/owned-agents/suspend'))).toBe(true);
  });

  it('answers 404 alike for another person\'s agent, an unknown id and a malformed one; changes nothing', async () => {
    const csrf = await csrfOn(ada.session);
    const other = await call(ada.session, bobs.id, 'suspend', csrf);
    const unknown = await call(ada.session, 'agt_doesnotexist0000000000', 'suspend', csrf);
    const malformed = await call(ada.session, 'not-an-id', 'suspend', csrf);
    for (const response of [other, unknown, malformed]) {
      expect(response.statusCode).toBe(404);
      expect(response.body).toBe(other.body);
    }
    const read = await t.server.app.inject({ method: 'GET', url: `/account/api/owned-agents/${bobs.id}`, headers: cookie(ada.session) });
    const readUnknown = await t.server.app.inject({ method: 'GET', url: '/account/api/owned-agents/agt_doesnotexist0000000000', headers: cookie(ada.session) });
    expect([read.statusCode, readUnknown.statusCode]).toEqual([404, 404]);
    expect(read.body).toBe(readUnknown.body);
    expect((await listed(bob.session))[0]?.status).toBe('active');
    expect((await auditOf(t)).some((r) => r.agentId === bobs.id && r.event === 'agent.suspended')).toBe(false);
  });

  it('refuses without a CSRF token, without a session, and to a person who left the owner group', async () => {
    expect((await call(ada.session, byGroup.id, 'suspend', 'forged')).statusCode).toBe(403);
    expect((await t.server.app.inject({ method: 'POST', url: `/account/api/owned-agents/${byGroup.id}/suspend`, headers: cookie(ada.session) })).statusCode).toBe(403);
    expect((await t.server.app.inject({ method: 'GET', url: '/account/api/owned-agents' })).statusCode).toBe(401);
    expect((await t.server.app.inject({ method: 'GET', url: '/account/owned-agents' })).headers.location).toBe('/login?return_to=%2Faccount%2Fowned-agents');

    expect((await setGroups(ada.id, [])).statusCode).toBe(200);
    try {
      expect((await listed(ada.session)).map((a) => a.agent_id)).not.toContain(byGroup.id);
      expect((await call(ada.session, byGroup.id, 'suspend')).statusCode).toBe(404);
      expect((await t.server.app.inject({ method: 'GET', url: `/account/api/owned-agents/${byGroup.id}`, headers: cookie(ada.session) })).statusCode).toBe(404);
    } finally {
      await setGroups(ada.id, ['sre']);
    }
  });

  it('does not let an owner resume an agent an operator suspended, nor touch a disabled one', async () => {
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${byEmail.id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
    const refused = await call(ada.session, byEmail.id, 'resume');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({ error: 'an operator suspended this agent; only an operator can resume it' });
    expect((await listed(ada.session)).find((a) => a.agent_id === byEmail.id)?.status).toBe('suspended');
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${byEmail.id}/resume`, headers: ADMIN })).statusCode).toBe(200);

    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${byEmail.id}/disable`, headers: ADMIN })).statusCode).toBe(200);
    expect((await call(ada.session, byEmail.id, 'suspend')).statusCode).toBe(409);
    expect((await call(ada.session, byEmail.id, 'resume')).statusCode).toBe(409);
    expect((await t.server.app.inject({ method: 'GET', url: '/account/owned-agents', headers: cookie(ada.session) })).body).toContain('Disabled: only an administrator can change it.');
  });

  it('gives a suspended or locked person nothing: their session no longer opens the page or the API', async () => {
    const session = await signIn(t, 'bob@example.com');
    const csrf = await csrfOn(session);
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${bob.id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
    expect((await t.server.app.inject({ method: 'GET', url: '/account/api/owned-agents', headers: cookie(session) })).statusCode).toBe(401);
    expect((await call(session, bobs.id, 'suspend', csrf)).statusCode).toBe(401);
    expect((await t.server.app.inject({ method: 'POST', url: `/admin/v1/users/${bob.id}/resume`, headers: ADMIN })).statusCode).toBe(200);
    // Resuming does not bring the ended session back.
    expect((await t.server.app.inject({ method: 'GET', url: '/account/api/owned-agents', headers: cookie(session) })).statusCode).toBe(401);

    // Locked by failed sign-ins: a session opened before the lock opens nothing while it lasts.
    const fresh = await signIn(t, 'bob@example.com');
    expect(await listed(fresh)).toHaveLength(1);
    const freshCsrf = await csrfOn(fresh);
    for (let i = 0; i < 5; i++) await postLogin(t, 'bob@example.com', 'not the password at all');
    expect((await t.server.app.inject({ method: 'GET', url: '/account/api/owned-agents', headers: cookie(fresh) })).statusCode).toBe(401);
    expect((await call(fresh, bobs.id, 'suspend', freshCsrf)).statusCode).toBe(401);
  });
});
