import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, ISSUER, type TestAgent } from '../support/test-server.js';
import { accessToken, call, createData, pollSets, receiverAgent, startServer, verifySet, type RunningServer, type SignalsData } from './ssf-harness.js';

const POLL = 'urn:ietf:rfc:8936';
const PUSH = 'urn:ietf:rfc:8935';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const RISK_LEVEL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';

describe.each(BACKENDS)('SSF stream management (%s)', (backend) => {
  let data: SignalsData;
  let running: RunningServer;
  let receiver: TestAgent;
  let token: string;
  let other: TestAgent;
  let otherToken: string;

  beforeAll(async () => {
    data = await createData(backend);
    running = await startServer(data);
    receiver = await receiverAgent(running.server);
    token = await accessToken(running, receiver);
    other = await receiverAgent(running.server);
    otherToken = await accessToken(running, other);
  });
  afterAll(async () => {
    await running.stop();
    await data.destroy();
  });

  it('publishes the SSF 1.0 transmitter configuration at /.well-known/ssf-configuration', async () => {
    const response = await call(running, 'GET', '/.well-known/ssf-configuration', undefined);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      spec_version: '1_0',
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/jwks`,
      delivery_methods_supported: [PUSH, POLL],
      configuration_endpoint: `${ISSUER}/ssf/streams`,
      status_endpoint: `${ISSUER}/ssf/status`,
      verification_endpoint: `${ISSUER}/ssf/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    });
  });

  it('creates a poll stream by default (201) with every transmitter-supplied member', async () => {
    const created = await call(running, 'POST', '/ssf/streams', token, { description: 'orders service' });
    expect(created.status).toBe(201);
    const config = created.body as Record<string, unknown>;
    expect(config).toMatchObject({
      iss: ISSUER,
      aud: receiver.id,
      delivery: { method: POLL, endpoint_url: `${ISSUER}/ssf/poll/${config.stream_id as string}` },
      events_supported: [SESSION_REVOKED, CREDENTIAL_CHANGE, RISK_LEVEL_CHANGE, VERIFICATION],
      events_delivered: [SESSION_REVOKED, CREDENTIAL_CHANGE, RISK_LEVEL_CHANGE, VERIFICATION],
      min_verification_interval: 10,
      description: 'orders service',
    });
    expect(config.stream_id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const audit = (await running.server.deps.store.queryAudit({ event: 'ssf_stream.created' }, { limit: 50 })).items.at(-1);
    expect(audit).toMatchObject({ agentId: receiver.id, actor: `agent:${receiver.id}`, details: { stream_id: config.stream_id, delivery_method: POLL } });
  });

  it('reads one stream by stream_id, and lists only the receiver\'s own streams', async () => {
    const mine = (await call(running, 'POST', '/ssf/streams', token, { events_requested: [SESSION_REVOKED, 'urn:example:unknown'] })).body as Record<string, unknown>;
    expect(mine.events_requested).toEqual([SESSION_REVOKED, 'urn:example:unknown']);
    expect(mine.events_delivered).toEqual([SESSION_REVOKED]);
    const theirs = (await call(running, 'POST', '/ssf/streams', otherToken, {})).body as Record<string, unknown>;

    const one = await call(running, 'GET', `/ssf/streams?stream_id=${mine.stream_id as string}`, token);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(mine);
    const list = (await call(running, 'GET', '/ssf/streams', token)).body as Record<string, unknown>[];
    expect(list.map((s) => s.stream_id)).toContain(mine.stream_id);
    expect(list.map((s) => s.stream_id)).not.toContain(theirs.stream_id);
    // Another receiver's stream does not exist for us (SSF 1.0 §8.1.1.2: 404).
    for (const [method, path, body] of [
      ['GET', `/ssf/streams?stream_id=${theirs.stream_id as string}`, undefined],
      ['PATCH', '/ssf/streams', { stream_id: theirs.stream_id, description: 'mine now' }],
      ['DELETE', `/ssf/streams?stream_id=${theirs.stream_id as string}`, undefined],
      ['GET', `/ssf/status?stream_id=${theirs.stream_id as string}`, undefined],
      ['POST', '/ssf/verify', { stream_id: theirs.stream_id }],
      ['POST', `/ssf/poll/${theirs.stream_id as string}`, { returnImmediately: true }],
    ] as const) {
      expect((await call(running, method, path, token, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await call(running, 'GET', `/ssf/streams?stream_id=${theirs.stream_id as string}`, otherToken)).status).toBe(200);
  });

  it('updates (PATCH) only what is given, replaces (PUT) everything, and checks transmitter-supplied members', async () => {
    const stream = (await call(running, 'POST', '/ssf/streams', token, { events_requested: [SESSION_REVOKED], description: 'before' })).body as Record<string, unknown>;
    const patched = await call(running, 'PATCH', '/ssf/streams', token, { stream_id: stream.stream_id, iss: ISSUER, description: 'after' });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...stream, description: 'after' });

    const wrongIss = await call(running, 'PATCH', '/ssf/streams', token, { stream_id: stream.stream_id, iss: 'https://evil.example' });
    expect(wrongIss.status).toBe(400);
    expect(await call(running, 'PATCH', '/ssf/streams', token, { stream_id: stream.stream_id, events_delivered: [CREDENTIAL_CHANGE] })).toMatchObject({ status: 400 });
    expect(await call(running, 'PATCH', '/ssf/streams', token, { description: 'no id' })).toMatchObject({ status: 400 });
    expect(await call(running, 'POST', '/ssf/streams', token, { stream_id: 'mine' })).toMatchObject({ status: 400 });

    const replaced = await call(running, 'PUT', '/ssf/streams', token, { stream_id: stream.stream_id, events_requested: [CREDENTIAL_CHANGE] });
    expect(replaced.status).toBe(200);
    const config = replaced.body as Record<string, unknown>;
    expect(config.events_delivered).toEqual([CREDENTIAL_CHANGE]);
    expect(config.description).toBeUndefined();
    expect(config.delivery).toEqual({ method: POLL, endpoint_url: `${ISSUER}/ssf/poll/${stream.stream_id as string}` });
    const audit = (await running.server.deps.store.queryAudit({ event: 'ssf_stream.updated' }, { limit: 50 })).items.at(-1);
    expect(audit?.details).toMatchObject({ stream_id: stream.stream_id, mode: 'replace' });
  });

  it('deletes a stream (204), after which it is 404', async () => {
    const stream = (await call(running, 'POST', '/ssf/streams', token, {})).body as Record<string, unknown>;
    const deleted = await call(running, 'DELETE', `/ssf/streams?stream_id=${stream.stream_id as string}`, token);
    expect(deleted.status).toBe(204);
    expect((await call(running, 'GET', `/ssf/streams?stream_id=${stream.stream_id as string}`, token)).status).toBe(404);
    expect((await call(running, 'DELETE', `/ssf/streams?stream_id=${stream.stream_id as string}`, token)).status).toBe(404);
    expect((await running.server.deps.store.queryAudit({ event: 'ssf_stream.deleted' }, { limit: 50 })).items.at(-1)?.details).toEqual({ stream_id: stream.stream_id });
  });

  it('reads and updates the stream status; a paused stream holds its SETs until enabled', async () => {
    const stream = (await call(running, 'POST', '/ssf/streams', token, {})).body as Record<string, unknown>;
    const id = stream.stream_id as string;
    expect((await call(running, 'GET', `/ssf/status?stream_id=${id}`, token)).body).toEqual({ stream_id: id, status: 'enabled' });
    const paused = await call(running, 'POST', '/ssf/status', token, { stream_id: id, status: 'paused', reason: 'maintenance' });
    expect(paused).toMatchObject({ status: 200, body: { stream_id: id, status: 'paused', reason: 'maintenance' } });
    expect((await call(running, 'POST', '/ssf/status', token, { stream_id: id, status: 'sleeping' })).status).toBe(400);

    expect((await call(running, 'POST', '/ssf/verify', token, { stream_id: id, state: 'held' })).status).toBe(204);
    expect((await pollSets(running, (stream.delivery as { endpoint_url: string }).endpoint_url, token)).sets).toEqual({});
    await call(running, 'POST', '/ssf/status', token, { stream_id: id, status: 'enabled' });
    const sets = Object.values((await pollSets(running, (stream.delivery as { endpoint_url: string }).endpoint_url, token)).sets);
    expect(sets).toHaveLength(1);
    expect((await running.server.deps.store.queryAudit({ event: 'ssf_stream.status_updated' }, { limit: 50 })).items.at(-1)?.details).toEqual({
      stream_id: id,
      status: 'enabled',
      previous_status: 'paused',
    });
  });

  it('sends a verification SET echoing state, sub_id opaque = stream_id, and limits its rate (429)', async () => {
    const stream = (await call(running, 'POST', '/ssf/streams', token, { events_requested: [SESSION_REVOKED] })).body as Record<string, unknown>;
    const id = stream.stream_id as string;
    expect((await call(running, 'POST', '/ssf/verify', token, { stream_id: id, state: 'c3RhdGU' })).status).toBe(204);
    const again = await call(running, 'POST', '/ssf/verify', token, { stream_id: id });
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('10');

    const { sets } = await pollSets(running, `/ssf/poll/${id}`, token);
    const [jti, set] = Object.entries(sets)[0] ?? [];
    const { header, claims } = await verifySet(running, set as string, receiver.id);
    expect(header).toMatchObject({ typ: 'secevent+jwt', alg: 'ES256' });
    expect(claims.jti).toBe(jti);
    expect(claims.sub_id).toEqual({ format: 'opaque', id });
    expect(claims.events).toEqual({ [VERIFICATION]: { state: 'c3RhdGU' } });
    expect(claims).not.toHaveProperty('sub');
    expect(claims).not.toHaveProperty('exp');

    running.clock.advance(10_000);
    expect((await call(running, 'POST', '/ssf/verify', token, { stream_id: id })).status).toBe(204);
  });

  it('refuses requests without a token (401 Bearer), with a bad token (401 invalid_token), or without agentauth:signals (403)', async () => {
    const none = await call(running, 'GET', '/ssf/streams', undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const bad = await call(running, 'GET', '/ssf/streams', `${token}x`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(bad.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });

    const certAgent = await receiverAgent(running.server, ['agentauth:cert']);
    const wrongScope = await call(running, 'POST', '/ssf/streams', await accessToken(running, certAgent, 'agentauth:cert'), {});
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="agentauth:signals"');
    const audit = (await running.server.deps.store.queryAudit({ event: 'ssf_receiver.authentication_failed' }, { limit: 50 })).items;
    expect(audit.map((r) => r.details.status)).toEqual(expect.arrayContaining([401, 403]));
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('refuses the token of a suspended agent', async () => {
    const agent = await receiverAgent(running.server);
    const agentToken = await accessToken(running, agent);
    expect((await call(running, 'GET', '/ssf/streams', agentToken)).status).toBe(200);
    await running.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: { authorization: 'Bearer test-bootstrap-token-0123456789abcdefghijklmnop' } });
    expect((await call(running, 'GET', '/ssf/streams', agentToken)).status).toBe(401);
  });

  it('refuses malformed bodies with 400 and never answers 500', async () => {
    const raw = await fetch(`${running.base}/ssf/streams`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{not json' });
    expect(raw.status).toBe(400);
    const wrongType = await fetch(`${running.base}/ssf/streams`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(400);
    for (const body of [[], 'x', { delivery: { method: 'urn:example:carrier-pigeon' } }, { delivery: { method: PUSH } }, { events_requested: 'all' }, { delivery: { method: POLL, endpoint_url: 'https://elsewhere.example/poll' } }]) {
      expect((await call(running, 'POST', '/ssf/streams', token, body)).status, JSON.stringify(body)).toBe(400);
    }
    const big = await call(running, 'POST', '/ssf/streams', token, { description: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
  });
});
