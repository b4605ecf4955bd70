import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyWakeUpsEndLongPolls } from '../support/long-poll-wake-ups.js';
import { until } from '../support/until.js';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, ISSUER, type TestAgent } from '../support/test-server.js';
import { accessToken, call, createData, pollSets, receiverAgent, startServer, verifySet, type RunningServer, type SignalsData } from './ssf-harness.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

describe.each(BACKENDS)('SSF events and poll delivery (%s)', (backend) => {
  let data: SignalsData;
  let running: RunningServer;
  let receiver: TestAgent;
  let token: string;
  let pollUrl: string;

  beforeAll(async () => {
    data = await createData(backend);
    running = await startServer(data);
    receiver = await receiverAgent(running.server);
    token = await accessToken(running, receiver);
  });
  afterAll(async () => {
    await running?.stop();
    await data.destroy();
  });

  /** A fresh poll stream, so each test sees only its own SETs. */
  async function newStream(body: Record<string, unknown> = {}): Promise<string> {
    const created = await call(running, 'POST', '/ssf/streams', token, body);
    expect(created.status).toBe(201);
    pollUrl = (created.body as { delivery: { endpoint_url: string } }).delivery.endpoint_url;
    return (created.body as { stream_id: string }).stream_id;
  }

  /** Polls (short), acknowledges everything, and returns the verified claims of each SET. */
  async function drain(): Promise<Record<string, unknown>[]> {
    const { sets } = await pollSets(running, pollUrl, token);
    const claims = [];
    for (const [jti, set] of Object.entries(sets)) {
      const verified = await verifySet(running, set, receiver.id);
      // RFC 8417 / SSF 1.0: typ, one event, sub_id and never sub, no exp.
      expect(verified.header.typ).toBe('secevent+jwt');
      expect(verified.claims.jti).toBe(jti);
      expect(verified.claims).not.toHaveProperty('sub');
      expect(verified.claims).not.toHaveProperty('exp');
      expect(Object.keys(verified.claims.events as object)).toHaveLength(1);
      expect(verified.claims.iat).toBe(Math.floor(running.clock.now() / 1000));
      claims.push(verified.claims);
    }
    await pollSets(running, pollUrl, token, { ack: Object.keys(sets), maxEvents: 0 });
    return claims;
  }

  async function tokenFor(agent: TestAgent): Promise<{ token: string; jti: string }> {
    const response = await running.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, running.clock.now()), scope: 'orders:read' }),
    });
    const accessToken = response.json().access_token as string;
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()) as { jti: string };
    return { token: accessToken, jti: claims.jti };
  }

  it('emits CAEP session-revoked with a jwt_id subject when a token is revoked (RFC 7009)', async () => {
    await newStream();
    const agent = await createAgent(running.server);
    const issued = await tokenFor(agent);
    const revoked = await running.server.app.inject({
      method: 'POST',
      url: '/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ token: issued.token, client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, running.clock.now()) }),
    });
    expect(revoked.statusCode).toBe(200);
    const [claims, ...rest] = await waitForSets(1);
    expect(rest).toEqual([]);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: receiver.id,
      sub_id: { format: 'jwt_id', iss: ISSUER, jti: issued.jti },
      events: { [SESSION_REVOKED]: { event_timestamp: Math.ceil(running.clock.now() / 1000), initiating_entity: 'user' } },
    });
  });

  it('emits session-revoked with an iss_sub subject when an agent is suspended, disabled or deleted', async () => {
    await newStream();
    for (const action of ['suspend', 'disable', 'delete'] as const) {
      const agent = await createAgent(running.server);
      running.clock.advance(1500);
      const response =
        action === 'delete'
          ? await running.server.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${agent.id}`, headers: ADMIN })
          : await running.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/${action}`, headers: ADMIN });
      expect(response.statusCode, action).toBeLessThan(300);
      const [claims, ...rest] = await waitForSets(1);
      expect(rest, action).toEqual([]);
      expect(claims, action).toMatchObject({
        sub_id: { format: 'iss_sub', iss: ISSUER, sub: agent.id },
        events: { [SESSION_REVOKED]: { event_timestamp: Math.ceil(running.clock.now() / 1000), initiating_entity: 'admin', reason_admin: { en: `agent ${action === 'suspend' ? 'suspended' : action === 'disable' ? 'disabled' : 'deleted'}` } } },
      });
    }
  });

  it('emits session-revoked with an iss_sub subject naming the person when a person is suspended, disabled or deleted', async () => {
    await newStream();
    for (const action of ['suspend', 'disable', 'delete'] as const) {
      const created = await running.server.app.inject({ method: 'POST', url: '/admin/v1/users', headers: ADMIN, payload: { email: `${action}@example.com`, name: action } });
      const userId = (created.json() as { id: string }).id;
      running.clock.advance(1500);
      const response =
        action === 'delete'
          ? await running.server.app.inject({ method: 'DELETE', url: `/admin/v1/users/${userId}`, headers: ADMIN })
          : await running.server.app.inject({ method: 'POST', url: `/admin/v1/users/${userId}/${action}`, headers: ADMIN });
      expect(response.statusCode, action).toBeLessThan(300);
      // A deletion announces the person before and after the row goes (docs/people.md).
      const [claims, ...rest] = await waitForSets(action === 'delete' ? 2 : 1);
      expect(rest, action).toEqual(action === 'delete' ? [expect.objectContaining({ sub_id: { format: 'iss_sub', iss: ISSUER, sub: userId } })] : []);
      expect(claims, action).toMatchObject({
        sub_id: { format: 'iss_sub', iss: ISSUER, sub: userId },
        events: { [SESSION_REVOKED]: { event_timestamp: Math.ceil(running.clock.now() / 1000), initiating_entity: 'admin', reason_admin: { en: `person ${action === 'suspend' ? 'suspended' : action === 'disable' ? 'disabled' : 'deleted'}` } } },
      });
    }
  });

  it('emits credential-change (delete) when a key is removed, and (revoke, x509) for a revoked certificate', async () => {
    await newStream({ events_requested: [CREDENTIAL_CHANGE] });
    const agent = await createAgent(running.server);
    const added = await running.server.app.inject({
      method: 'POST',
      url: `/admin/v1/agents/${agent.id}/credentials`,
      headers: ADMIN,
      payload: { type: 'jwk', jwk: { ...agent.publicJwk, kid: 'k2' } },
    });
    expect(added.statusCode).toBe(201);
    const credentialId = added.json().credential.id as string;
    // A session-revoked event is not delivered on this stream: it did not ask for it.
    await running.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: ADMIN });
    expect((await running.server.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${agent.id}/credentials/${credentialId}`, headers: ADMIN })).statusCode).toBe(204);
    const [removed, ...rest] = await waitForSets(1);
    expect(rest).toEqual([]);
    expect(removed).toMatchObject({
      sub_id: { format: 'iss_sub', iss: ISSUER, sub: agent.id },
      events: { [CREDENTIAL_CHANGE]: { credential_type: 'jwk', change_type: 'delete', friendly_name: credentialId } },
    });

    // The CA publishes certificate revocations on the same bus; a client secret removal says `password`.
    running.server.deps.events.publish({ kind: 'certificate_revoked', agentId: agent.id, serial: '0a1b2c', at: running.clock.now() });
    running.server.deps.events.publish({ kind: 'credential_removed', agentId: agent.id, credentialId: 'crd_secret', credentialKind: 'secret', at: running.clock.now() });
    const events = (await waitForSets(2)).map((c) => (c.events as Record<string, unknown>)[CREDENTIAL_CHANGE]);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ credential_type: 'x509', change_type: 'revoke', x509_serial: '0a1b2c' }),
        expect.objectContaining({ credential_type: 'password', change_type: 'delete', friendly_name: 'crd_secret' }),
      ]),
    );
  });

  it('emits session-revoked for a token revoked by cascade, initiated by the system', async () => {
    await newStream();
    running.server.deps.events.publish({ kind: 'token_revoked', jti: 'child-jti', agentId: receiver.id, at: running.clock.now(), reason: 'cascade' });
    const [claims] = await waitForSets(1);
    expect(claims).toMatchObject({ sub_id: { format: 'jwt_id', iss: ISSUER, jti: 'child-jti' }, events: { [SESSION_REVOKED]: { initiating_entity: 'system' } } });
  });

  it('polls with maxEvents and moreAvailable, redelivers until acknowledged, and takes setErrs as acknowledgements', async () => {
    await newStream();
    for (let i = 0; i < 3; i++) running.server.deps.events.publish({ kind: 'token_revoked', jti: `j${i}`, agentId: receiver.id, at: running.clock.now(), reason: 'revoked' });
    await waitForCount(3);
    const first = await pollSets(running, pollUrl, token, { maxEvents: 2, returnImmediately: true });
    expect(Object.keys(first.sets)).toHaveLength(2);
    expect(first.moreAvailable).toBe(true);
    // Not acknowledged: delivered again.
    const again = await pollSets(running, pollUrl, token, { maxEvents: 2, returnImmediately: true });
    expect(Object.keys(again.sets)).toEqual(Object.keys(first.sets));
    const [a, b] = Object.keys(first.sets) as [string, string];
    const next = await pollSets(running, pollUrl, token, { ack: [a], setErrs: { [b]: { err: 'invalid_key', description: 'unknown kid' } }, maxEvents: 10, returnImmediately: true });
    expect(Object.keys(next.sets)).toHaveLength(1);
    expect(next.moreAvailable).toBe(false);
    expect(Object.keys(next.sets)).not.toContain(a);
    await pollSets(running, pollUrl, token, { ack: Object.keys(next.sets), returnImmediately: true });
    expect((await pollSets(running, pollUrl, token)).sets).toEqual({});

    for (const bad of [{ maxEvents: -1 }, { returnImmediately: 'yes' }, { ack: 'j1' }, { setErrs: { x: 'bad' } }, [1]]) {
      const response = await call(running, 'POST', pollUrl, token, bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(response.body).toEqual({ err: 'invalid_request', description: expect.any(String) });
    }
  });

  it('wakes a long poll held open when a revocation is queued (returnImmediately: false)', async () => {
    const streamId = await newStream();
    const agent = await createAgent(running.server);
    const issued = await tokenFor(agent);
    // Only the wake-up can answer the held poll: no recheck of the queue, no end of the hold.
    const wakeUps = onlyWakeUpsEndLongPolls();
    try {
      const polling = pollSets(running, pollUrl, token, { returnImmediately: false });
      await wakeUps.held(streamId);
      await running.server.app.inject({
        method: 'POST',
        url: '/revoke',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ token: issued.token, client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, running.clock.now()) }),
      });
      const { sets } = await polling;
      expect(Object.keys(sets)).toHaveLength(1);
      const claims = (await verifySet(running, Object.values(sets)[0] as string, receiver.id)).claims;
      expect(claims.sub_id).toEqual({ format: 'jwt_id', iss: ISSUER, jti: issued.jti });
      await pollSets(running, pollUrl, token, { ack: Object.keys(sets), maxEvents: 0 });
    } finally {
      wakeUps.restore();
    }
  });

  it('keeps unacknowledged SETs across a server restart, until they are acknowledged', async () => {
    const streamId = await newStream();
    running.server.deps.events.publish({ kind: 'agent_revoked', agentId: 'agt_gone', status: 'suspended', at: running.clock.now() });
    await waitForCount(1);
    const before = await pollSets(running, pollUrl, token);
    await running.stop();

    running = await startServer(data, {}, running.clock);
    const after = await pollSets(running, pollUrl, token);
    expect(after.sets).toEqual(before.sets);
    const claims = (await verifySet(running, Object.values(after.sets)[0] as string, receiver.id)).claims;
    expect(claims.sub_id).toEqual({ format: 'iss_sub', iss: ISSUER, sub: 'agt_gone' });
    await pollSets(running, pollUrl, token, { ack: Object.keys(after.sets), maxEvents: 0 });
    expect((await pollSets(running, `/ssf/poll/${streamId}`, token)).sets).toEqual({});
  });

  /** Queuing follows the revocation asynchronously: short-poll until `count` SETs are there. */
  async function waitForCount(count: number): Promise<void> {
    await until(async () => Object.keys((await pollSets(running, pollUrl, token)).sets).length >= count);
  }

  async function waitForSets(count: number): Promise<Record<string, unknown>[]> {
    await waitForCount(count);
    return drain();
  }
});
