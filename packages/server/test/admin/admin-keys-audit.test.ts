import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, startAdminHarness, type AdminHarness } from './admin-harness.js';
import { BACKENDS } from '../support/test-server.js';

describe.each(BACKENDS)('admin keys and audit (%s)', (backend) => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdminHarness(backend);
  });
  afterAll(async () => {
    await h.close();
  });

  describe('signing keys', () => {
    it('lists keys with public facts only', async () => {
      const response = await h.app.inject({ method: 'GET', url: '/admin/v1/keys', headers: AUTH });
      expect(response.statusCode).toBe(200);
      const { items } = response.json();
      expect(items.map((k: { state: string }) => k.state).sort()).toEqual(['active', 'prepared']);
      for (const key of items) {
        expect(Object.keys(key).sort()).toEqual(['activated_at', 'alg', 'created_at', 'expires_at', 'kid', 'retired_at', 'state']);
      }
      expect(response.body).not.toMatch(/encrypted|private|"d"/i);
    });

    it('tells when the active key is rotated next: the interval after it began signing', async () => {
      const response = await h.app.inject({ method: 'GET', url: '/admin/v1/keys/schedule', headers: AUTH });
      expect(response.statusCode).toBe(200);
      const schedule = response.json();
      expect(schedule.active_kid).toBe(h.keys.signer().kid);
      expect(schedule.rotation_interval_seconds).toBe(30 * 86_400);
      expect(Date.parse(schedule.next_rotation_at) - Date.parse(schedule.active_since)).toBe(30 * 86_400_000);
    });

    it('refuses a rotation too soon with 409 rotation_too_soon, and rotates with force', async () => {
      const tooSoon = await h.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', headers: AUTH });
      expect(tooSoon.statusCode).toBe(409);
      expect(tooSoon.json().code).toBe('rotation_too_soon');
      expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);

      const before = h.keys.signer().kid;
      const forced = await h.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', headers: AUTH, payload: { force: true } });
      expect(forced.statusCode).toBe(200);
      const { active_kid, prepared_kid } = forced.json();
      expect(active_kid).not.toBe(before);
      expect(active_kid).toBe(h.keys.signer().kid);
      expect(typeof prepared_kid).toBe('string');
      expect(prepared_kid).not.toBe(active_kid);

      const states = (await h.app.inject({ method: 'GET', url: '/admin/v1/keys', headers: AUTH })).json().items as { kid: string; state: string }[];
      expect(states.find((k) => k.kid === before)?.state).toBe('old');

      const bad = await h.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', headers: AUTH, payload: { force: 'yes' } });
      expect(bad.statusCode).toBe(400);
    });

    it('rotates without force once the prepared key has been published long enough', async () => {
      h.clock.advance(3600_000);
      await h.keys.sync();
      const response = await h.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', headers: AUTH, payload: {} });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('audit log', () => {
    it('queries with filters and pages by cursor', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: `a${i}`, owner: 'team-audit' } });
        ids.push(response.json().agent.id);
      }
      const registered = await h.app.inject({ method: 'GET', url: '/admin/v1/audit?event=agent.registered&limit=2', headers: AUTH });
      expect(registered.statusCode).toBe(200);
      const page1 = registered.json();
      expect(page1.items).toHaveLength(2);
      expect(page1.next_cursor).toEqual(expect.any(String));
      const page2 = (await h.app.inject({ method: 'GET', url: `/admin/v1/audit?event=agent.registered&limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`, headers: AUTH })).json();
      expect([...page1.items, ...page2.items].map((r: { agent_id: string }) => r.agent_id)).toEqual(ids);
      expect(page1.items[0]).toMatchObject({ event: 'agent.registered', outcome: 'success', actor: 'admin:bootstrap', source_ip: '127.0.0.1' });
      expect(page1.items[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const one = (await h.app.inject({ method: 'GET', url: `/admin/v1/audit?agent_id=${ids[1]}`, headers: AUTH })).json();
      expect(one.items.map((r: { agent_id: string }) => r.agent_id)).toEqual([ids[1]]);

      const now = new Date(h.clock.now()).toISOString();
      const future = (await h.app.inject({ method: 'GET', url: `/admin/v1/audit?from=${encodeURIComponent(new Date(h.clock.now() + 1).toISOString())}`, headers: AUTH })).json();
      expect(future.items).toEqual([]);
      const upToNow = (await h.app.inject({ method: 'GET', url: `/admin/v1/audit?to=${encodeURIComponent(now)}&event=agent.registered`, headers: AUTH })).json();
      expect(upToNow.items).toEqual([]);

      for (const query of ['from=yesterday', 'event=agent.exploded', 'outcome=maybe', 'limit=501']) {
        const response = await h.app.inject({ method: 'GET', url: `/admin/v1/audit?${query}`, headers: AUTH });
        expect(response.statusCode, query).toBe(400);
      }
    });

    it('exports NDJSON, one record a line, and verifies the chain', async () => {
      const exported = await h.app.inject({ method: 'GET', url: '/admin/v1/audit/export', headers: AUTH });
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = exported.body.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines.length).toBeGreaterThanOrEqual(3);
      expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((a, b) => a - b));
      const filtered = await h.app.inject({ method: 'GET', url: '/admin/v1/audit/export?event=agent.registered', headers: AUTH });
      expect(filtered.body.trimEnd().split('\n').every((l) => JSON.parse(l).event === 'agent.registered')).toBe(true);

      const ok = await h.app.inject({ method: 'POST', url: '/admin/v1/audit/verify', headers: AUTH });
      const last = lines[lines.length - 1];
      expect(ok.json()).toEqual({ ok: true, records_checked: lines.length, last_seq: last.seq, last_hash: last.hash });

      // The head kept elsewhere: still held; a later seq than the log has is truncation.
      const verify = (body: unknown) => h.app.inject({ method: 'POST', url: '/admin/v1/audit/verify', headers: AUTH, payload: body as object });
      expect((await verify({ expect_head: { seq: last.seq, hash: last.hash } })).json()).toMatchObject({ ok: true, last_seq: last.seq });
      expect((await verify({ expect_head: { seq: last.seq + 5, hash: last.hash } })).json()).toEqual({
        ok: false,
        records_checked: lines.length,
        first_bad_seq: last.seq + 1,
        problem: 'truncated',
        last_seq: last.seq,
        last_hash: last.hash,
      });
      expect((await verify({ expect_head: { seq: lines[0].seq, hash: last.hash } })).json()).toMatchObject({ ok: false, first_bad_seq: lines[0].seq, problem: 'rewritten' });
      for (const body of [{ expect_head: { seq: 0, hash: last.hash } }, { expect_head: { seq: 1, hash: 'short' } }, { expect_head: { seq: 1 } }, { head: 1 }]) {
        const refused = await verify(body);
        expect(refused.statusCode, JSON.stringify(body)).toBe(400);
        expect(refused.json().code).toBe('validation_failed');
      }

      // Tamper with one record in the database itself: verify names it.
      const victim = lines[1];
      await h.rawSql(`UPDATE audit_log SET reason = 'edited' WHERE seq = ${Number(victim.seq)}`);
      const bad = await h.app.inject({ method: 'POST', url: '/admin/v1/audit/verify', headers: AUTH });
      expect(bad.json()).toEqual({ ok: false, records_checked: 1, first_bad_seq: victim.seq, problem: 'edited' });
    });
  });
});
