import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/store/records.js';
import { AUTH, BOOTSTRAP, startAdminHarness, type AdminHarness } from './admin-harness.js';
import { BACKENDS } from '../support/test-server.js';

/**
 * Refused admin requests are on record: one audit record per refused request, with the reason the
 * administrator was given, and never the credential or a secret it sent.
 */
describe.each(BACKENDS)('refused admin requests are audited (%s)', (backend) => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness(backend);
  });
  afterAll(async () => {
    await h.close();
  });

  /** The response's status and every audit record written while it ran. */
  async function recordsOf(run: () => Promise<{ statusCode: number }>): Promise<{ status: number; records: AuditRecord[] }> {
    const before = await lastSeq();
    const response = await run();
    const after = (await h.store.queryAudit({}, { limit: 500, after: String(before) })).items;
    return { status: response.statusCode, records: after };
  }
  async function lastSeq(): Promise<number> {
    let seq = 0;
    let cursor: string | undefined;
    do {
      const page = await h.store.queryAudit({}, cursor === undefined ? { limit: 500 } : { limit: 500, after: cursor });
      for (const record of page.items) seq = Math.max(seq, record.seq);
      cursor = page.next;
    } while (cursor !== undefined);
    return seq;
  }

  it('a body that breaks the schema: 400 validation_failed, one admin_request.denied, no agent written', async () => {
    const agents = (await h.store.listAgents({}, { limit: 500 })).items.length;
    const { status, records } = await recordsOf(() =>
      h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: '', owner: 'team', client_secret: 'not-a-field-0123456789' } }),
    );
    expect(status).toBe(400);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      event: 'admin_request.denied',
      outcome: 'failure',
      agentId: null,
      actor: 'admin:bootstrap',
      sourceIp: '127.0.0.1',
      details: { method: 'POST', path: '/admin/v1/agents', status: 400 },
    });
    expect(records[0]?.reason).toMatch(/^validation_failed: body/);
    expect(JSON.stringify(records)).not.toContain('not-a-field-0123456789');
    expect(JSON.stringify(records)).not.toContain(BOOTSTRAP);
    expect((await h.store.listAgents({}, { limit: 500 })).items.length).toBe(agents);
  });

  it.each([
    [{ name: 'x', owner: 'y', client_name: 'x' }, 'body must NOT have additional properties: client_name'],
    [{ name: 'x', owner: 'y', Ab_0123456789abcdefGHIJ: 'x' }, 'body must NOT have additional properties'],
    [{ name: 'x', owner: 'y', token_endpoint_auth_method: 'none' }, 'body/token_endpoint_auth_method must be equal to one of the allowed values: private_key_jwt, client_secret_basic, client_secret_post, tls_client_auth, self_signed_tls_client_auth'],
    [{ name: 'x' }, "body must have required property 'owner'"],
  ])('the detail says what to fix: %j', async (payload, detail) => {
    const { status, records } = await recordsOf(() => h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload }));
    expect(status).toBe(400);
    expect(records.map((r) => r.reason)).toEqual([`validation_failed: ${detail}`]);
    const again = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload });
    expect(again.json()).toMatchObject({ code: 'validation_failed', detail });
  });

  it('a registry rule (the service, not the schema): the detail names the field and the rule', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'r', owner: 'team' } });
    const id = created.json().agent.id as string;
    const { status, records } = await recordsOf(() =>
      h.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${id}`, headers: AUTH, payload: { resources: ['http://api.example.com'] } }),
    );
    expect(status).toBe(400);
    expect(records.map((r) => [r.event, r.agentId, r.reason])).toEqual([['admin_request.denied', id, 'validation_failed: resources must use https (http only on loopback)']]);
  });

  it('malformed JSON, another media type, a body too large: each one record', async () => {
    for (const [headers, payload, code, httpStatus] of [
      [{ 'content-type': 'application/json' }, '{"name":', 'malformed_json', 400],
      [{ 'content-type': 'text/plain' }, 'name=x', 'unsupported_media_type', 415],
      [{ 'content-type': 'application/json' }, JSON.stringify({ name: 'x', owner: 'y', description: 'x'.repeat(70_000) }), 'payload_too_large', 413],
    ] as const) {
      const { status, records } = await recordsOf(() => h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: { ...AUTH, ...headers }, payload }));
      expect(status).toBe(httpStatus);
      expect(records.map((r) => [r.event, r.reason?.split(':')[0], r.details['status']])).toEqual([['admin_request.denied', code, httpStatus]]);
    }
  });

  it('rotation_too_soon: one record with the reason, status 409', async () => {
    const { status, records } = await recordsOf(() => h.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', headers: AUTH }));
    expect(status).toBe(409);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ event: 'admin_request.denied', actor: 'admin:bootstrap', details: { method: 'POST', path: '/admin/v1/keys/rotate', status: 409 } });
    expect(records[0]?.reason).toMatch(/^rotation_too_soon: the prepared key may sign from \d{4}-/);
  });

  it('an unknown route or object, authenticated: not_found, one record', async () => {
    for (const url of ['/admin/v1/nothing-here', '/admin/v1/agents/agt_AAAAAAAAAAAAAAAAAAAAAA']) {
      const { status, records } = await recordsOf(() => h.app.inject({ method: 'GET', url, headers: AUTH }));
      expect(status).toBe(404);
      expect(records.map((r) => [r.event, r.reason?.split(':')[0], r.details['path']])).toEqual([['admin_request.denied', 'not_found', url]]);
    }
  });

  it('an unauthorized bearer: one admin.authentication_failed, nothing else, never the token', async () => {
    const presented = 'Bearer wrong-admin-token-0123456789abcdef';
    for (const request of [
      { method: 'POST' as const, url: '/admin/v1/keys/rotate' },
      { method: 'POST' as const, url: '/admin/v1/agents', payload: { name: '' } },
      { method: 'GET' as const, url: '/admin/v1/nothing-here' },
    ]) {
      const { status, records } = await recordsOf(() => h.app.inject({ ...request, headers: { authorization: presented } }));
      expect(status).toBe(401);
      expect(records.map((r) => [r.event, r.outcome, r.details['status'] ?? null])).toEqual([['admin.authentication_failed', 'failure', null]]);
      expect(JSON.stringify(records)).not.toContain('wrong-admin-token');
    }
  });

  it('a successful request writes no refusal', async () => {
    const { status, records } = await recordsOf(() => h.app.inject({ method: 'GET', url: '/admin/v1/keys', headers: AUTH }));
    expect(status).toBe(200);
    expect(records).toEqual([]);
  });
});
