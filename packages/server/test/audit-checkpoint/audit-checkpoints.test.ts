import { createServer, type IncomingMessage } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'node:crypto';
import { AUDIT_CHECKPOINT_TYP } from '@agentauth/protocol';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_POLL_MS } from '../../src/main/wire-audit-checkpoints.js';
import { BACKENDS, BOOTSTRAP_TOKEN, ISSUER, startTestServer, type TestServer } from '../support/test-server.js';
import { until } from '../support/until.js';

const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const HOUR = 3600_000;

/**
 * Signed audit checkpoints (docs/operations.md, "Audit checkpoints") from a real server: the
 * periodic timer is faked and the clock frozen, so "an hour later" is a clock move, not a wait.
 */
describe.each(BACKENDS)('audit checkpoints (%s)', (backend) => {
  let t: TestServer | undefined;
  let dir: string;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  async function files(): Promise<string[]> {
    return (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.jwt')).sort();
  }

  async function register(name: string): Promise<void> {
    const response = await t!.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name, owner: 'team-audit' } });
    expect(response.statusCode).toBe(201);
  }

  async function tick(): Promise<void> {
    await vi.advanceTimersByTimeAsync(CHECKPOINT_POLL_MS);
  }

  it('signs one when due and at shutdown, each linked to the one before, exported 0600 and verifiable with the JWKS', async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'agentauth-checkpoints-')), 'exported');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    t = await startTestServer(backend, { AGENTAUTH_AUDIT_CHECKPOINT_DIR: dir, AGENTAUTH_AUDIT_CHECKPOINT_INTERVAL: '3600' });
    const { server, clock } = t;
    const start = clock.now();
    const jwks = (await server.app.inject({ method: 'GET', url: '/jwks' })).json() as JSONWebKeySet;

    await register('one');
    await tick();
    await until(async () => (await files()).length === 1);

    await register('two');
    clock.advance(HOUR);
    await tick();
    await until(async () => (await files()).length === 2);

    // Not due yet: the clock has not moved, so this tick signs nothing, though the head moved.
    await register('three');
    await tick();
    await t.close();
    t = undefined;

    const names = await files();
    expect(names).toHaveLength(3);
    const texts = await Promise.all(names.map((name) => readFile(join(dir, name), 'latin1')));
    const checkpoints = [];
    for (const [i, name] of names.entries()) {
      expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
      const jws = (texts[i] as string).trim();
      const { payload, protectedHeader } = await jwtVerify(jws, createLocalJWKSet(jwks), { typ: AUDIT_CHECKPOINT_TYP, issuer: ISSUER });
      expect(name).toBe(`checkpoint-${String(payload.seq).padStart(16, '0')}.jwt`);
      checkpoints.push({ payload: payload as Record<string, unknown>, kid: protectedHeader.kid, jws });
    }
    const [first, second, third] = checkpoints as [(typeof checkpoints)[0], (typeof checkpoints)[0], (typeof checkpoints)[0]];
    expect(first.payload).toMatchObject({ checkpoint: 1, iat: Math.floor(start / 1000) });
    expect(first.payload.prev).toBeUndefined();
    expect(second.payload).toMatchObject({ checkpoint: 2, iat: Math.floor((start + HOUR) / 1000) });
    expect(second.payload.prev).toEqual({ checkpoint: 1, seq: first.payload.seq, hash: first.payload.hash, digest: hash('sha256', first.jws, 'base64url') });
    // The shutdown checkpoint, an hour early: it covers `three`.
    expect(third.payload).toMatchObject({ checkpoint: 3, iat: Math.floor((start + HOUR) / 1000) });
    expect(third.payload.prev).toMatchObject({ checkpoint: 2, digest: hash('sha256', second.jws, 'base64url') });
    expect(Number(third.payload.seq)).toBeGreaterThan(Number(second.payload.seq));
  });

  it('stores what it exports, lists it on the admin API, and audits each checkpoint', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-checkpoints-'));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    t = await startTestServer(backend, { AGENTAUTH_AUDIT_CHECKPOINT_DIR: dir });
    await register('one');
    await tick();
    await until(async () => (await files()).length === 1);

    const listed = await t.server.app.inject({ method: 'GET', url: '/admin/v1/audit/checkpoints', headers: AUTH });
    expect(listed.statusCode).toBe(200);
    const [item, ...rest] = listed.json().items;
    expect(rest).toEqual([]);
    const exported = (await readFile(join(dir, (await files())[0] as string), 'latin1')).trim();
    expect(item).toMatchObject({ checkpoint: 1, jws: exported, created_at: new Date(t.clock.now()).toISOString() });

    const audited = (await t.server.app.inject({ method: 'GET', url: '/admin/v1/audit?event=audit_checkpoint.created', headers: AUTH })).json().items;
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'system', outcome: 'success', details: { checkpoint: 1, seq: item.seq, hash: item.hash, kid: item.kid } });
    // The record at the checkpointed seq is the one it names.
    const record = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?cursor=${item.seq - 1}&limit=1`, headers: AUTH })).json().items[0];
    expect(record).toMatchObject({ seq: item.seq, hash: item.hash });

    const unauthenticated = await t.server.app.inject({ method: 'GET', url: '/admin/v1/audit/checkpoints' });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('writes the checkpoints a directory configured late has missed at the next start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-checkpoints-'));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    t = await startTestServer(backend);
    await register('one');
    await tick();
    const stored = async () => (await t!.server.app.inject({ method: 'GET', url: '/admin/v1/audit/checkpoints', headers: AUTH })).json().items as { seq: number; jws: string }[];
    await until(async () => (await stored()).length === 1);
    // The same database, now with a directory: what the database holds is exported at the start.
    const first = t;
    const { dataDir, databaseUrl } = first.server.deps.config;
    await first.server.close();
    const second = await startTestServer(backend, { AGENTAUTH_AUDIT_CHECKPOINT_DIR: dir, AGENTAUTH_DATA_DIR: dataDir, ...(databaseUrl === undefined ? {} : { AGENTAUTH_DATABASE_URL: databaseUrl }) });
    t = { ...second, close: async () => (await second.close(), await first.close()) };
    await until(async () => (await files()).length === 2);
    const items = await stored();
    expect(items).toHaveLength(2);
    for (const item of items) expect((await readFile(join(dir, `checkpoint-${String(item.seq).padStart(16, '0')}.jwt`), 'latin1')).trim()).toBe(item.jws);
  });

  it('audits a directory it cannot write, and keeps serving', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-checkpoints-'));
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, '');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    t = await startTestServer(backend, { AGENTAUTH_AUDIT_CHECKPOINT_DIR: join(notADirectory, 'exported') });
    await register('one');
    await tick();
    const failures = async () => (await t!.server.app.inject({ method: 'GET', url: '/admin/v1/audit?event=audit_checkpoint.export_failed', headers: AUTH })).json().items;
    await until(async () => (await failures()).length >= 1);
    expect((await failures())[0]).toMatchObject({ outcome: 'failure', reason: 'directory', details: { code: 'ENOTDIR' } });
    expect(JSON.stringify(await failures())).not.toContain(dir);
    await register('two');
  });

  describe('the webhook', () => {
    let receiver: ReturnType<typeof createServer> | undefined;
    afterEach(async () => {
      await new Promise((resolve) => (receiver === undefined ? resolve(undefined) : receiver.close(resolve)));
      receiver = undefined;
    });

    /** A receiver on loopback answering each POST with the next status of `statuses` (then 204). */
    async function startReceiver(statuses: number[]): Promise<{ url: string; seen: { type: string | undefined; body: string; status: number }[] }> {
      const seen: { type: string | undefined; body: string; status: number }[] = [];
      receiver = createServer((request: IncomingMessage, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
        request.on('end', () => {
          const status = statuses.shift() ?? 204;
          seen.push({ type: request.headers['content-type'], body, status });
          response.writeHead(status).end();
        });
      });
      await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
      const { port } = receiver.address() as { port: number };
      return { url: `http://127.0.0.1:${port}/checkpoints?token=receiver-secret-123`, seen };
    }

    it('POSTs each checkpoint as application/jwt, retrying a failed delivery, and never names the URL in the audit log', async () => {
      dir = await mkdtemp(join(tmpdir(), 'agentauth-checkpoints-'));
      const { url, seen } = await startReceiver([503]);
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      t = await startTestServer(backend, { AGENTAUTH_AUDIT_CHECKPOINT_WEBHOOK: url, AGENTAUTH_AUDIT_CHECKPOINT_WEBHOOK_ALLOW_PRIVATE: 'true' });
      await register('one');
      await tick();
      // The first attempt is refused with 503; the retry a second later is taken.
      await until(() => seen.length === 2);
      const [stored] = (await t.server.app.inject({ method: 'GET', url: '/admin/v1/audit/checkpoints', headers: AUTH })).json().items;
      expect(seen).toEqual([
        { type: 'application/jwt', body: stored.jws, status: 503 },
        { type: 'application/jwt', body: stored.jws, status: 204 },
      ]);
      const exported = await t.server.app.inject({ method: 'GET', url: '/admin/v1/audit/export', headers: AUTH });
      expect(exported.body).not.toContain('receiver-secret-123');
      expect(exported.body).not.toContain('audit_checkpoint.export_failed');
    });

    it('gives up at once on a URL the SSRF guard refuses, and audits that without the URL', async () => {
      dir = await mkdtemp(join(tmpdir(), 'agentauth-checkpoints-'));
      const { url, seen } = await startReceiver([]);
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      // Loopback without the opt-in: refused before any connection.
      t = await startTestServer(backend, { AGENTAUTH_AUDIT_CHECKPOINT_WEBHOOK: url });
      await register('one');
      await tick();
      const failures = async () => (await t!.server.app.inject({ method: 'GET', url: '/admin/v1/audit?event=audit_checkpoint.export_failed', headers: AUTH })).json().items;
      await until(async () => (await failures()).length === 1);
      expect((await failures())[0]).toMatchObject({ outcome: 'failure', reason: 'webhook', details: { checkpoint: 1, code: 'address', attempts: 1 } });
      expect(JSON.stringify(await failures())).not.toContain('receiver-secret-123');
      expect(seen).toEqual([]);
    });
  });
});
