import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, BOOTSTRAP, startAdminHarness, type AdminHarness } from './admin-harness.js';
import { BACKENDS } from '../support/test-server.js';

describe.each(BACKENDS)('admin authentication (%s)', (backend) => {
  let h: AdminHarness;
  let adminId: string;
  let plainId: string;

  beforeAll(async () => {
    h = await startAdminHarness(backend);
    const admin = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'ops-bot', owner: 'team-ops', scopes: ['agentauth:admin'] } });
    adminId = admin.json().agent.id;
    const plain = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'plain-bot', owner: 'team-x', scopes: ['orders:read'] } });
    plainId = plain.json().agent.id;
  });
  afterAll(async () => {
    await h.close();
  });

  const list = (authorization?: string) =>
    h.app.inject({ method: 'GET', url: '/admin/v1/agents', headers: authorization === undefined ? {} : { authorization } });

  async function expectUnauthenticated(authorization: string | undefined) {
    const before = (await h.store.queryAudit({ event: 'admin.authentication_failed' }, { limit: 500 })).items.length;
    const response = await list(authorization);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'unauthenticated', status: 401, type: 'urn:agentauth:problem:unauthenticated' });
    const records = (await h.store.queryAudit({ event: 'admin.authentication_failed' }, { limit: 500 })).items;
    expect(records.length).toBe(before + 1);
    const record = records.at(-1);
    expect(record).toMatchObject({ outcome: 'failure', sourceIp: '127.0.0.1' });
    // Never the credential itself, in any field.
    const token = authorization?.replace(/^Bearer /i, '') ?? '';
    if (token.length > 8) expect(JSON.stringify(record)).not.toContain(token);
    return record;
  }

  describe('admin authentication', () => {
    it('accepts the bootstrap token, with any case of the Bearer scheme', async () => {
      expect((await list(`Bearer ${BOOTSTRAP}`)).statusCode).toBe(200);
      expect((await list(`bearer ${BOOTSTRAP}`)).statusCode).toBe(200);
    });

    it('refuses a missing, malformed or wrong credential with 401 and audits it', async () => {
      await expectUnauthenticated(undefined);
      await expectUnauthenticated(`Basic ${Buffer.from('a:b').toString('base64')}`);
      await expectUnauthenticated(`Bearer ${BOOTSTRAP}x`);
      await expectUnauthenticated(`Bearer ${BOOTSTRAP.slice(0, -1)}`);
      await expectUnauthenticated('Bearer ');
      await expectUnauthenticated(`Bearer ${'a'.repeat(10_000)}`);
    });

    it('accepts an admin access token and records the admin agent as the actor', async () => {
      const token = h.token(adminId);
      const created = await h.app.inject({
        method: 'POST',
        url: '/admin/v1/agents',
        headers: { authorization: `Bearer ${token}` },
        payload: { name: 'made-by-bot', owner: 'team-ops' },
      });
      expect(created.statusCode).toBe(201);
      const records = (await h.store.queryAudit({ agentId: created.json().agent.id }, { limit: 10 })).items;
      expect(records[0]?.actor).toBe(`admin:${adminId}`);
    });

    it('answers 403 forbidden to a valid token without agentauth:admin', async () => {
      const response = await list(`Bearer ${h.token(plainId, { scope: 'orders:read' })}`);
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('forbidden');
    });

    it('refuses tokens for another audience or issuer, expired, or signed by someone else', async () => {
      await expectUnauthenticated(`Bearer ${h.token(adminId, { aud: 'https://api.example.com' })}`);
      await expectUnauthenticated(`Bearer ${h.token(adminId, { iss: 'https://evil.example.com' })}`);
      const iat = Math.floor(h.clock.now() / 1000) - 3600;
      await expectUnauthenticated(`Bearer ${h.token(adminId, { iat, nbf: iat, exp: iat + 300 })}`);
      const token = h.token(adminId);
      const [header, payload] = token.split('.');
      await expectUnauthenticated(`Bearer ${header}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`);
    });

    it('refuses a revoked token, and tokens of a suspended or unknown admin agent', async () => {
      const token = h.token(adminId, { jti: 'revoked-jti' });
      expect((await list(`Bearer ${token}`)).statusCode).toBe(200);
      await h.store.revokeToken({ jti: 'revoked-jti', agentId: adminId, revokedAt: h.clock.now(), expiresAt: h.clock.now() + 300_000 });
      const revoked = await expectUnauthenticated(`Bearer ${token}`);
      expect(revoked?.reason).toMatch(/revoked/);

      await expectUnauthenticated(`Bearer ${h.token('agt_doesnotexist000000000')}`);

      const before = h.token(adminId);
      h.clock.advance(1000);
      const suspended = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${adminId}/suspend`, headers: AUTH });
      expect(suspended.statusCode).toBe(200);
      const record = await expectUnauthenticated(`Bearer ${before}`);
      expect(record?.reason).toMatch(/suspended/);
      expect(record?.agentId).toBe(adminId);

      // Resumed, the agent's old tokens stay dead (revokedBefore), new ones work.
      h.clock.advance(1000);
      await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${adminId}/resume`, headers: AUTH });
      const old = await expectUnauthenticated(`Bearer ${before}`);
      expect(old?.reason).toMatch(/revoked its tokens/);
      expect((await list(`Bearer ${h.token(adminId)}`)).statusCode).toBe(200);
    });

    it('serves the OpenAPI document without a credential', async () => {
      const response = await h.app.inject({ method: 'GET', url: '/admin/v1/openapi.json' });
      expect(response.statusCode).toBe(200);
      expect(response.json().openapi).toBe('3.1.0');
    });

    it('authenticates before anything else: an unknown route or a bad body still answers 401', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/admin/v1/nothing-here' })).statusCode).toBe(401);
      const body = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: { 'content-type': 'text/plain' }, payload: 'x' });
      expect(body.statusCode).toBe(401);
    });
  });
});
