import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { ADMIN, PASSWORD, auditOf, createPerson, csrfOf, enrolTotp, signIn } from './people-harness.js';

const AGENT = { name: 'by-a-person', owner: 'team-people', scopes: ['orders:read'], resources: ['https://api.example.com'] };

describe('admin API: people, and people calling it with their roles', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
    t.server.app.inject({ method, url: `/admin/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const asPerson = async (email: string, roles: string[]) => {
    await createPerson(t, email, roles);
    const session = await signIn(t, email);
    return { cookie: `__Host-agentauth-session=${session}`, 'x-csrf-token': await csrfOf(t, session) };
  };

  it('creates, reads, updates, suspends, resumes and deletes people, each change audited, no secret shown', async () => {
    const created = await call('POST', '/users', ADMIN, { email: ' Grace@Example.COM', name: 'Grace Hopper', groups: ['navy', 'cobol'], roles: ['operator'], password: PASSWORD });
    expect(created.statusCode).toBe(201);
    const user = created.json() as Record<string, unknown>;
    expect(user).toMatchObject({ email: 'grace@example.com', groups: ['cobol', 'navy'], roles: ['operator'], status: 'active', password_set: true, totp_enrolled: false, locked_until: null, last_login_at: null });
    expect(created.body).not.toMatch(/argon2|\$v=19/);
    const id = user['id'] as string;
    expect(id).toMatch(/^usr_[A-Za-z0-9_-]{22}$/);
    expect((await call('GET', `/users/${id}`, ADMIN)).json()).toEqual(user);
    expect((await call('PATCH', `/users/${id}`, ADMIN, { roles: ['auditor'], name: 'Rear Admiral Hopper' })).json()).toMatchObject({ roles: ['auditor'], name: 'Rear Admiral Hopper' });
    expect((await call('POST', `/users/${id}/suspend`, ADMIN)).json()).toMatchObject({ status: 'suspended' });
    expect((await call('POST', `/users/${id}/resume`, ADMIN)).json()).toMatchObject({ status: 'active' });
    expect((await call('POST', `/users/${id}/disable`, ADMIN)).json()).toMatchObject({ status: 'disabled' });
    expect((await call('POST', `/users/${id}/resume`, ADMIN)).json()).toMatchObject({ status: 'active' });
    expect((await call('POST', `/users/${id}/password`, ADMIN, { password: 'another long passphrase' })).statusCode).toBe(200);
    expect((await call('DELETE', `/users/${id}/totp`, ADMIN)).json()).toMatchObject({ totp_enrolled: false });
    const list = (await call('GET', '/users?limit=500', ADMIN)).json() as { items: { id: string }[] };
    expect(list.items.map((u) => u.id)).toContain(id);
    expect((await call('DELETE', `/users/${id}`, ADMIN)).statusCode).toBe(204);
    expect((await call('GET', `/users/${id}`, ADMIN)).json()).toMatchObject({ code: 'not_found' });

    const records = (await auditOf(t)).filter((r) => r.details['user_id'] === id);
    expect(records.map((r) => r.event)).toEqual(['user.created', 'user.updated', 'user.suspended', 'user.resumed', 'user.disabled', 'user.resumed', 'user.password_set', 'user.totp_reset', 'user.deleted']);
    expect(records.every((r) => r.actor === 'admin:bootstrap')).toBe(true);
    expect(JSON.stringify(records)).not.toMatch(/correct horse|another long passphrase|argon2/);
  });

  it('refuses what breaks the rules, naming the rule and never the password', async () => {
    const weak = await call('POST', '/users', ADMIN, { email: 'weak@example.com', name: 'Weak', password: 'short' });
    expect(weak.json()).toMatchObject({ status: 400, code: 'validation_failed', detail: 'password must be at least 12 characters' });
    const own = await call('POST', '/users', ADMIN, { email: 'own.email.addr@example.com', name: 'Own', password: 'own.email.addr@example.com' });
    expect(own.json()).toMatchObject({ code: 'validation_failed', detail: 'password must not be the account\u2019s email or name' });
    expect(own.body).not.toContain('own.email.addr@example.com"');
    expect((await call('POST', '/users', ADMIN, { email: 'not-an-address', name: 'X' })).json()).toMatchObject({ code: 'validation_failed' });
    expect((await call('POST', '/users', ADMIN, { email: 'x@example.com', name: 'X', roles: ['root'] })).json()).toMatchObject({ code: 'validation_failed' });
    expect((await call('POST', '/users', ADMIN, { email: 'x@example.com', name: 'X', password_hash: 'x' })).json()).toMatchObject({ code: 'validation_failed' });
    await createPerson(t, 'taken@example.com', []);
    expect((await call('POST', '/users', ADMIN, { email: 'TAKEN@example.com', name: 'Again' })).json()).toMatchObject({ status: 409, code: 'conflict' });
  });

  it('lets an auditor read and nothing more: 403 forbidden, audited with the person as actor', async () => {
    const auditor = await asPerson('auditor@example.com', ['auditor']);
    expect((await call('GET', '/agents', auditor)).statusCode).toBe(200);
    expect((await call('GET', '/users', auditor)).statusCode).toBe(200);
    expect((await call('GET', '/audit', auditor)).statusCode).toBe(200);
    const refused = await call('POST', '/agents', auditor, AGENT);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'forbidden', detail: 'the roles auditor do not allow POST /agents' });
    const id = (await t.server.deps.store.getUserByEmail('auditor@example.com'))?.id;
    expect((await auditOf(t)).at(-1)).toMatchObject({ event: 'admin_request.denied', actor: `user:${id}`, details: { method: 'POST', path: '/admin/v1/agents', status: 403 } });
    expect((await call('POST', '/keys/rotate', auditor, {})).statusCode).toBe(403);
  });

  it('lets an operator act on agents, not on people or keys; their changes name them', async () => {
    const operator = await asPerson('operator@example.com', ['operator']);
    const created = await call('POST', '/agents', operator, AGENT);
    expect(created.statusCode).toBe(201);
    const agentId = (created.json() as { agent: { id: string } }).agent.id;
    expect((await call('POST', `/agents/${agentId}/suspend`, operator)).statusCode).toBe(200);
    expect((await call('POST', `/agents/${agentId}/resume`, operator)).statusCode).toBe(200);
    expect((await call('DELETE', `/agents/${agentId}`, operator)).statusCode).toBe(403);
    expect((await call('POST', '/users', operator, { email: 'sneaky@example.com', name: 'Sneaky', roles: ['admin'] })).statusCode).toBe(403);
    expect((await call('POST', '/keys/rotate', operator, {})).statusCode).toBe(403);
    const id = (await t.server.deps.store.getUserByEmail('operator@example.com'))?.id;
    expect((await auditOf(t)).find((r) => r.event === 'agent.registered' && r.agentId === agentId)?.actor).toBe(`user:${id}`);
  });

  it('lets an admin person do everything, the first admin made with the bootstrap token', async () => {
    const admin = await asPerson('root@example.com', ['admin']);
    const made = await call('POST', '/users', admin, { email: 'made-by-admin@example.com', name: 'Made' });
    expect(made.statusCode).toBe(201);
    expect((await call('DELETE', `/users/${(made.json() as { id: string }).id}`, admin)).statusCode).toBe(204);
  });

  it('refuses a person without a role, an unsafe request without the CSRF header or with a wrong one, and a dead session', async () => {
    const nobody = await asPerson('nobody@example.com', []);
    expect((await call('GET', '/agents', nobody)).json()).toMatchObject({ status: 403, detail: 'no role do not allow GET /agents' });

    const admin = await asPerson('csrf-admin@example.com', ['admin']);
    const { 'x-csrf-token': token, cookie } = admin;
    const missing = await call('POST', '/agents', { cookie }, AGENT);
    expect(missing.json()).toMatchObject({ status: 403, code: 'forbidden' });
    const wrong = await call('POST', '/agents', { cookie, 'x-csrf-token': `${token}x` }, AGENT);
    expect(wrong.statusCode).toBe(403);
    expect((await auditOf(t)).at(-1)).toMatchObject({ event: 'admin.authentication_failed', reason: 'wrong CSRF token on an unsafe request' });
    expect((await call('POST', '/agents', admin, AGENT)).statusCode).toBe(201);

    const dead = await call('GET', '/agents', { cookie: '__Host-agentauth-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(dead.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
    // The bootstrap token still works beside a session cookie, unchanged.
    expect((await call('GET', '/agents', { ...ADMIN, cookie })).statusCode).toBe(200);
  });

  it('ends a person\u2019s sessions when their roles change, their password is set or their TOTP reset', async () => {
    const person = await asPerson('changing@example.com', ['auditor']);
    const id = (await t.server.deps.store.getUserByEmail('changing@example.com'))?.id ?? '';
    expect((await call('PATCH', `/users/${id}`, ADMIN, { roles: ['operator'] })).statusCode).toBe(200);
    expect((await call('GET', '/agents', person)).statusCode).toBe(401);

    const session = await signIn(t, 'changing@example.com');
    await enrolTotp(t, session);
    expect((await call('GET', `/users/${id}`, ADMIN)).json()).toMatchObject({ totp_enrolled: true });
    expect((await call('DELETE', `/users/${id}/totp`, ADMIN)).statusCode).toBe(200);
    expect((await call('GET', '/agents', { cookie: `__Host-agentauth-session=${session}` })).statusCode).toBe(401);
  });
});
