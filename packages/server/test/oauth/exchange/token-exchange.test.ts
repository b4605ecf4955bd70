import { TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT, TOKEN_TYPE_REFRESH_TOKEN } from '@agentauth/protocol';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createAgent, ISSUER, startTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { API, claimsOf, CRM, delegated, exchange, exchanged, exchangingAgent, expectError, introspect, ownToken, revoke, tokenRequest } from './exchange-harness.js';

/**
 * RFC 8693 token exchange over HTTP on a real server (real store, keys, audit log): delegation with
 * `act` chains, per-hop attenuation, per-task tokens, and every bad input refused with
 * the RFC 8693 §2.2.2 error.
 */
/** The `actor_token` parameters that let `agent` act for another party. */
async function actorOf(t: TestServer, agent: TestAgent): Promise<Record<string, string>> {
  return { actor_token: await ownToken(t, agent), actor_token_type: TOKEN_TYPE_ACCESS_TOKEN };
}

describe.each(BACKENDS)('RFC 8693 token exchange (%s)', (backend) => {
  let t: TestServer;
  let user: TestAgent;
  let copilot: TestAgent;
  let worker: TestAgent;
  let helper: TestAgent;
  let plain: TestAgent;
  let inspector: TestAgent;

  beforeAll(async () => {
    t = await startTestServer(backend);
    user = await createAgent(t.server, { name: 'user', scopes: ['orders:read', 'orders:write'], resources: [API] });
    copilot = await exchangingAgent(t, 'copilot', { scopes: ['orders:read', 'orders:write', 'crm:read'], resources: [API, CRM] });
    worker = await exchangingAgent(t, 'worker', { scopes: ['orders:read'], resources: [API] });
    helper = await exchangingAgent(t, 'helper', { scopes: ['orders:read'], resources: [API] });
    plain = await createAgent(t.server, { name: 'plain', scopes: ['orders:read'], resources: [API] });
    inspector = await createAgent(t.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
  });
  afterAll(async () => t?.close());

  it('advertises the grant in the server metadata (RFC 8414 §2)', async () => {
    const metadata = (await t.server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    expect(metadata.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:token-exchange');
  });

  it('delegates: sub stays the subject, act names the actor, the response says issued_token_type (RFC 8693 §2.2.1, §4.1)', async () => {
    const subject = await ownToken(t, user);
    const response = await exchange(t, copilot, subject, { actor_token: await ownToken(t, copilot), actor_token_type: TOKEN_TYPE_ACCESS_TOKEN });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', issued_token_type: TOKEN_TYPE_ACCESS_TOKEN, scope: 'orders:read orders:write', expires_in: 300 });
    expect(body.refresh_token).toBeUndefined();
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({ iss: ISSUER, sub: user.id, client_id: copilot.id, aud: API, act: { sub: copilot.id } });
    expect(claims.act?.act).toBeUndefined();
  });

  it('nests act across three hops, least recent actor deepest, and introspection returns it (RFC 8693 §4.1)', async () => {
    const hop1 = await delegated(t, copilot, await ownToken(t, user));
    const hop2 = await delegated(t, worker, hop1);
    const hop3 = await delegated(t, helper, hop2);
    const expected = { sub: helper.id, act: { sub: worker.id, act: { sub: copilot.id } } };
    expect(claimsOf(hop3)).toMatchObject({ sub: user.id, client_id: helper.id, scope: 'orders:read', act: expected });
    const introspected = await introspect(t, inspector, hop3);
    expect(introspected).toMatchObject({ active: true, sub: user.id, act: expected });
  });

  it("refuses to act for another party without an actor_token (delegation needs one), and accepts it with one", async () => {
    expectError(await exchange(t, worker, await ownToken(t, user)), 'invalid_request');
    const token = await delegated(t, worker, await ownToken(t, user));
    expect(claimsOf(token)).toMatchObject({ sub: user.id, client_id: worker.id, act: { sub: worker.id } });
  });

  it('audits subject, actor chain, requested and granted scope and audience, and the task id', async () => {
    const subject = await ownToken(t, user);
    const token = await delegated(t, copilot, subject, { scope: 'orders:read', audience: API, task_id: 'ticket-7' });
    const claims = claimsOf(token);
    const records = await t.server.deps.store.queryAudit({ agentId: copilot.id, event: 'access_token.issued' }, { limit: 500 });
    const record = records.items.find((r) => r.details['jti'] === claims.jti);
    expect(record?.details).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      sub: user.id,
      subject_jti: claimsOf(subject).jti,
      parent_jti: claimsOf(subject).jti,
      actor: copilot.id,
      act_chain: [copilot.id],
      requested_scope: 'orders:read',
      scope: 'orders:read',
      requested_audience: [API],
      aud: [API],
      task_id: 'ticket-7',
    });
  });

  it('issues a per-task token: one audience, fewer scopes, a lifetime of seconds, task_id carried on', async () => {
    const own = await ownToken(t, copilot, { scope: 'orders:read orders:write' });
    const response = await exchange(t, copilot, own, { scope: 'orders:read', resource: API, expires_in: '5', task_id: 'task-42' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ expires_in: 5, scope: 'orders:read' });
    const perTask = claimsOf(response.json().access_token);
    // Narrowing its own token: nobody new acts, so there is no act claim.
    expect(perTask).toMatchObject({ sub: copilot.id, client_id: copilot.id, aud: API, task_id: 'task-42' });
    expect(perTask.act).toBeUndefined();
    expect(perTask.exp - perTask.iat).toBe(5);
    // Whoever it is handed to carries the task on.
    const handed = await delegated(t, worker, response.json().access_token);
    expect(claimsOf(handed)).toMatchObject({ sub: copilot.id, task_id: 'task-42', act: { sub: worker.id } });
    // Past its 5 s and the 5 s of clock skew every verifier allows.
    t.clock.advance(11_000);
    try {
      expect((await introspect(t, inspector, response.json().access_token)).active).toBe(false);
    } finally {
      t.clock.advance(-11_000);
    }
  });

  it('caps the lifetime at what is left of the subject token and at the actor\u2019s token lifetime', async () => {
    const subject = await ownToken(t, user);
    t.clock.advance(200_000);
    try {
      const response = await exchange(t, copilot, subject, await actorOf(t, copilot));
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().expires_in).toBe(100);
      expect(claimsOf(response.json().access_token).exp).toBe(claimsOf(subject).exp);
      expectError(await exchange(t, copilot, subject, { ...(await actorOf(t, copilot)), expires_in: '101' }), 'invalid_request');
    } finally {
      t.clock.advance(-200_000);
    }
    const shortLived = await exchangingAgent(t, 'short-lived', { scopes: ['orders:read'], resources: [API], access_token_ttl: 60 });
    const response = await exchange(t, shortLived, await ownToken(t, user), await actorOf(t, shortLived));
    expect(response.json().expires_in).toBe(60);
  });

  it('lets only the actor named by may_act exchange a token (RFC 8693 §4.4)', async () => {
    const forWorker = await delegated(t, copilot, await ownToken(t, user), { may_act: worker.id });
    expect(claimsOf(forWorker).may_act).toEqual({ sub: worker.id });
    expectError(await exchange(t, helper, forWorker), 'invalid_request');
    expect(claimsOf(await delegated(t, worker, forWorker)).act).toEqual({ sub: worker.id, act: { sub: copilot.id } });
  });

  it('refuses a may_act naming no agent', async () => {
    expectError(await exchange(t, copilot, await ownToken(t, user), { may_act: 'agt_nobody' }), 'invalid_request');
  });

  describe('bad input, each refused with the RFC 8693 §2.2.2 error', () => {
    it('exchange without client authentication: 401 invalid_client', async () => {
      expectError(await exchange(t, null, await ownToken(t, user)), 'invalid_client', 401);
    });

    it('a client not allowed the token-exchange grant: unauthorized_client', async () => {
      expectError(await exchange(t, plain, await ownToken(t, user)), 'unauthorized_client');
    });

    it('an actor_token belonging to another client: invalid_request', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, user), { actor_token: await ownToken(t, worker), actor_token_type: TOKEN_TYPE_ACCESS_TOKEN }), 'invalid_request');
    });

    it('an actor_token that is not a token at all: invalid_request', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, user), { actor_token: 'garbage', actor_token_type: TOKEN_TYPE_ACCESS_TOKEN }), 'invalid_request');
    });

    it('a may_act mismatch: invalid_request', async () => {
      const forHelper = await delegated(t, copilot, await ownToken(t, user), { may_act: helper.id });
      expectError(await exchange(t, worker, forHelper), 'invalid_request');
    });

    it('a depth over the limit (4 by default): invalid_request', async () => {
      let token = await ownToken(t, user);
      for (const actor of [copilot, worker, copilot, worker]) token = await delegated(t, actor, token);
      expect(claimsOf(token).act).toEqual({ sub: worker.id, act: { sub: copilot.id, act: { sub: worker.id, act: { sub: copilot.id } } } });
      expectError(await exchange(t, copilot, token), 'invalid_request');
    });

    it('a widened scope: invalid_scope', async () => {
      // crm:read is allowed to the copilot, but the subject token does not carry it.
      expectError(await exchange(t, copilot, await ownToken(t, user), { scope: 'orders:read crm:read' }), 'invalid_scope');
    });

    it('a scope the actor is not allowed: invalid_scope', async () => {
      expectError(await exchange(t, worker, await ownToken(t, user), { scope: 'orders:write' }), 'invalid_scope');
    });

    it('a widened audience: invalid_target', async () => {
      expectError(await exchange(t, worker, await ownToken(t, user), { resource: CRM }), 'invalid_target');
      expectError(await exchange(t, copilot, await ownToken(t, user), { audience: 'https://evil.example' }), 'invalid_target');
    });

    it('the issuer as audience (privileged powers are not delegable): invalid_target', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, user), { audience: ISSUER }), 'invalid_target');
    });

    it('a per-task token for two audiences: invalid_target', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, copilot), { resource: [API, CRM], scope: 'orders:read', task_id: 't-1' }), 'invalid_target');
    });

    it('an expired subject token: invalid_request', async () => {
      const subject = await ownToken(t, user);
      t.clock.advance(310_000);
      try {
        expectError(await exchange(t, copilot, subject), 'invalid_request');
      } finally {
        t.clock.advance(-310_000);
      }
    });

    it('a revoked subject token: invalid_request', async () => {
      const subject = await ownToken(t, user);
      await revoke(t, user, subject);
      expectError(await exchange(t, copilot, subject), 'invalid_request');
    });

    it('a foreign subject token (another issuer): invalid_request', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const iat = Math.floor(t.clock.now() / 1000);
      const foreign = await new SignJWT({ iss: 'https://other.example', sub: user.id, aud: API, scope: 'orders:read', client_id: user.id, jti: 'f1', iat, exp: iat + 300 })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
        .sign(privateKey);
      expectError(await exchange(t, copilot, foreign), 'invalid_request');
      expectError(await exchange(t, copilot, foreign, { subject_token_type: TOKEN_TYPE_JWT }), 'invalid_request');
    });

    it('a subject token claiming our issuer but signed by another key: invalid_request', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const real = claimsOf(await ownToken(t, user));
      const forged = await new SignJWT({ ...real, scope: 'orders:read orders:write' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: t.server.deps.keys.signer().kid })
        .sign(privateKey);
      expectError(await exchange(t, copilot, forged), 'invalid_request');
    });

    it('actor_token_type without actor_token: invalid_request', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, user), { actor_token_type: TOKEN_TYPE_ACCESS_TOKEN }), 'invalid_request');
    });

    it('actor_token without actor_token_type: invalid_request', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, user), { actor_token: await ownToken(t, copilot) }), 'invalid_request');
    });

    it('a refresh token as subject: invalid_request', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, user), { subject_token_type: TOKEN_TYPE_REFRESH_TOKEN }), 'invalid_request');
    });

    it('no subject_token, or no subject_token_type: invalid_request', async () => {
      expectError(await tokenRequest(t, copilot, { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token_type: TOKEN_TYPE_ACCESS_TOKEN }), 'invalid_request');
      expectError(await tokenRequest(t, copilot, { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await ownToken(t, user) }), 'invalid_request');
    });

    it('a requested_token_type we do not issue: invalid_request', async () => {
      expectError(await exchange(t, copilot, await ownToken(t, user), { requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' }), 'invalid_request');
    });

    it('a malformed expires_in or task_id: invalid_request', async () => {
      const subject = await ownToken(t, user);
      for (const expiresIn of ['0', '-1', '1.5', '86401', 'ten']) expectError(await exchange(t, copilot, subject, { expires_in: expiresIn }), 'invalid_request');
      for (const taskId of ['has space', 'x'.repeat(129), 'quote"']) expectError(await exchange(t, copilot, subject, { task_id: taskId }), 'invalid_request');
    });

    it('audits each refusal as access_token.denied with the subject and the actor, and issues nothing', async () => {
      const subject = await ownToken(t, user);
      const before = await t.server.deps.store.queryAudit({ agentId: worker.id, event: 'access_token.issued' }, { limit: 500 });
      expectError(await exchange(t, worker, subject, { scope: 'orders:write' }), 'invalid_scope');
      const after = await t.server.deps.store.queryAudit({ agentId: worker.id, event: 'access_token.issued' }, { limit: 500 });
      expect(after.items.length).toBe(before.items.length);
      const denied = await t.server.deps.store.queryAudit({ agentId: worker.id, event: 'access_token.denied' }, { limit: 500 });
      const last = denied.items.at(-1);
      expect(last?.outcome).toBe('failure');
      expect(last?.reason).toContain('invalid_scope: scope not allowed to the actor: orders:write');
      expect(last?.reason).toContain(`subject=${user.id}`);
      expect(last?.reason).toContain(`actor=${worker.id}`);
      expect(last?.reason).toContain('requested_scope="orders:write"');
    });
  });
});

describe.each(BACKENDS)('AGENTAUTH_MAX_DELEGATION_DEPTH (%s)', (backend) => {
  let t: TestServer;
  afterAll(async () => t?.close());

  it('counts every exchange from the root, narrowing included, and refuses one more', async () => {
    t = await startTestServer(backend, { AGENTAUTH_MAX_DELEGATION_DEPTH: '2' });
    const agent = await exchangingAgent(t, 'agent', { scopes: ['orders:read', 'orders:write'], resources: [API] });
    const other = await exchangingAgent(t, 'other', { scopes: ['orders:read'], resources: [API] });
    const narrowed = await exchanged(t, agent, await ownToken(t, agent), { scope: 'orders:read' });
    expect(claimsOf(narrowed).act).toBeUndefined();
    const delegatedOnce = await delegated(t, other, narrowed);
    expect(claimsOf(delegatedOnce).act).toEqual({ sub: other.id });
    expectError(await exchange(t, other, delegatedOnce, { expires_in: '10' }), 'invalid_request');
  });
});
