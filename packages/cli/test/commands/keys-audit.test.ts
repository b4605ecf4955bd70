import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { main } from '../../src/index.js';
import { adminStubPerTest, json, testIo } from '../helpers/admin-stub.js';

const TOKEN = 'adm_token';
const setup = adminStubPerTest();

function record(seq: number, overrides: Record<string, unknown> = {}) {
  return {
    seq,
    time: `2026-01-01T00:00:${String(seq).padStart(2, '0')}Z`,
    event: 'access_token.issued',
    outcome: 'success',
    agent_id: 'agt_1',
    actor: null,
    source_ip: '127.0.0.1',
    reason: null,
    request_id: `req_${seq}`,
    details: {},
    prev_hash: 'p',
    hash: 'h',
    ...overrides,
  };
}

describe('keys', () => {
  it('lists signing keys as a table', async () => {
    const server = await setup({
      'GET /admin/v1/keys': (_req, res) =>
        json(res, 200, {
          items: [{ kid: 'kid-a', alg: 'ES256', state: 'active', created_at: '2026-01-01T00:00:00Z', activated_at: '2026-01-01T00:00:00Z', retired_at: null, expires_at: null }],
        }),
    });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['keys', 'list'], io)).toBe(0);
    expect(stdout()).toBe(
      'KID    ALG    STATE   CREATED               ACTIVATED             RETIRED  EXPIRES\nkid-a  ES256  active  2026-01-01T00:00:00Z  2026-01-01T00:00:00Z\n',
    );
  });

  it('rotates, passing --force', async () => {
    const server = await setup({ 'POST /admin/v1/keys/rotate': (_req, res) => json(res, 200, { active_kid: 'kid-b', prepared_kid: 'kid-c' }) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['keys', 'rotate', '--force'], io)).toBe(0);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({ force: true });
    expect(stdout()).toBe('active key:    kid-b\nprepared key:  kid-c\n');
  });
});

describe('audit verify', () => {
  const HEAD = 'Xb1qK2mZ0sPd4-vT6wYh8nR3cE5fG7jL9aB_uQxWkMo';

  it('exits 0 for an intact chain and prints its head as SEQ:HASH; exits 1 for a broken one', async () => {
    let ok = true;
    const server = await setup({
      'POST /admin/v1/audit/verify': (_req, res) =>
        json(res, 200, ok ? { ok, records_checked: 10, last_seq: 10, last_hash: HEAD } : { ok, records_checked: 4, first_bad_seq: 4, problem: 'edited' }),
    });
    const good = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'verify'], good.io)).toBe(0);
    expect(good.stdout()).toBe(`audit chain intact: 10 records checked\nhead:  10:${HEAD}\n`);
    expect(good.stderr()).toContain(`agentauth audit verify --expect-head 10:${HEAD}`);
    expect(server.seen[0]?.body).toBe('');
    ok = false;
    const bad = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'verify'], bad.io)).toBe(1);
    expect(bad.stdout()).toContain('first bad seq:    4');
    expect(bad.stdout()).toContain('a record was edited');
    expect(bad.stderr()).toBe('error: the audit chain is broken at seq 4: a record was edited\n');
    const asJson = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'verify', '--json'], asJson.io)).toBe(1);
    expect(JSON.parse(asJson.stdout())).toMatchObject({ ok: false, first_bad_seq: 4 });
    expect(JSON.parse(asJson.stderr())).toEqual({ error: { code: 'audit_chain_broken', message: 'the audit chain is broken at seq 4: a record was edited', status: null, exit_code: 1 } });
  });

  it('sends --expect-head and fails, naming the problem, when the log was truncated before it', async () => {
    const server = await setup({
      'POST /admin/v1/audit/verify': (_req, res) => json(res, 200, { ok: false, records_checked: 7, first_bad_seq: 8, problem: 'truncated', last_seq: 7, last_hash: HEAD }),
    });
    const { io, stdout, stderr } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'verify', '--expect-head', `12:${HEAD}`], io)).toBe(1);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({ expect_head: { seq: 12, hash: HEAD } });
    expect(stdout()).toContain('the log was truncated: it ends before the expected head');
    expect(stdout()).toContain(`head:             7:${HEAD}`);
    expect(stderr()).toBe('error: the audit chain is broken at seq 8: the log was truncated: it ends before the expected head\n');
  });

  it.each(['12', `0:${HEAD}`, '12:short', `x:${HEAD}`])('refuses --expect-head %s before asking the server', async (value) => {
    const { io, stderr } = testIo({ AGENTAUTH_URL: 'http://127.0.0.1:9', AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'verify', '--expect-head', value], io)).toBe(2);
    expect(stderr()).toContain('--expect-head must be SEQ:HASH');
  });
});

describe('audit tail', () => {
  it('pages to the end and shows the last N records, with filters', async () => {
    const server = await setup({
      'GET /admin/v1/audit': (req, res) =>
        req.query.get('cursor') === null ? json(res, 200, { items: [record(1), record(2)], next_cursor: 'c2' }) : json(res, 200, { items: [record(3, { reason: 'bad\u001b[0m' })] }),
    });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'tail', '-n', '2', '--agent', 'agt_1', '--event', 'access_token.issued'], io)).toBe(0);
    expect(stdout()).toBe(
      '2026-01-01T00:00:02Z  #2  access_token.issued  success  agent=agt_1  ip=127.0.0.1\n' +
        '2026-01-01T00:00:03Z  #3  access_token.issued  success  agent=agt_1  ip=127.0.0.1  reason=bad\\x1b[0m\n',
    );
    expect(server.seen[0]?.query.get('agent_id')).toBe('agt_1');
    expect(server.seen[0]?.query.get('event')).toBe('access_token.issued');
  });

  it('shows each agent\u2019s name after its id, looked up once, and (unknown) for an id no agent has', async () => {
    const [bot, gone] = ['agt_AAAAAAAAAAAAAAAAAAAAAA', 'agt_BBBBBBBBBBBBBBBBBBBBBB'];
    const server = await setup({
      'GET /admin/v1/audit': (_req, res) =>
        json(res, 200, {
          items: [record(1, { agent_id: bot, actor: `agent:${bot}` }), record(2, { agent_id: bot }), record(3, { agent_id: gone, actor: null }), record(4, { agent_id: 'whatever-was-sent', actor: null })],
        }),
      [`GET /admin/v1/agents/${bot}`]: (_req, res) => json(res, 200, { id: bot, name: 'invoice-bot' }),
    });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'tail'], io)).toBe(0);
    const lines = stdout().split('\n');
    expect(lines[0]).toContain(`agent=${bot} (invoice-bot)  actor=agent:${bot} (invoice-bot)  ip=`);
    expect(lines[1]).toContain(`agent=${bot} (invoice-bot)`);
    expect(lines[2]).toContain(`agent=${gone} (unknown)`);
    expect(lines[3]).toContain('agent=whatever-was-sent  ip=');
    expect(server.seen.filter((req) => req.path.startsWith('/admin/v1/agents/')).map((req) => req.path).sort()).toEqual([`/admin/v1/agents/${bot}`, `/admin/v1/agents/${gone}`]);
  });

  it('with --follow polls with the last cursor and prints only new records, once each', async () => {
    const pages: Record<string, unknown>[] = [
      { items: [record(1)] }, // first read
      { items: [record(1)] }, // poll 1: nothing new
      { items: [record(1), record(2)] }, // poll 2: one new
      { items: [record(1), record(2), record(3)], next_cursor: 'c3' }, // poll 3: page full
      { items: [record(4)] }, // same poll, next page
    ];
    const cursors: (string | null)[] = [];
    const controller = new AbortController();
    const server = await setup({
      'GET /admin/v1/audit': (req, res) => {
        cursors.push(req.query.get('cursor'));
        const page = pages.shift();
        if (pages.length === 0) controller.abort();
        json(res, 200, page);
      },
    });
    const sleeps: number[] = [];
    const { io, stdout } = testIo(
      { AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN },
      {
        signal: controller.signal,
        sleep: async (ms) => void sleeps.push(ms),
      },
    );
    expect(await main(['audit', 'tail', '--follow', '--json'], io)).toBe(0);
    expect(
      stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).seq),
    ).toEqual([1, 2, 3, 4]);
    expect(cursors).toEqual([null, null, null, null, 'c3']);
    expect(sleeps.every((ms) => ms === 1000)).toBe(true);
    expect(sleeps).toHaveLength(3);
  });
});

describe('audit export', () => {
  it('streams ndjson to a new file with mode 0600, and refuses to overwrite it', async () => {
    const body = `${JSON.stringify(record(1))}\n${JSON.stringify(record(2))}\n`;
    const server = await setup({
      'GET /admin/v1/audit/export': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.end(body);
      },
    });
    const out = join(await mkdtemp(join(tmpdir(), 'agentauth-export-')), 'audit.ndjson');
    const first = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'export', '--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z', '--event', 'access_token.issued', '--out', out], first.io)).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(body);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(first.stderr()).toBe(`wrote 2 records to ${out}\n`);
    expect(server.seen[0]?.query.get('from')).toBe('2026-01-01T00:00:00Z');
    expect(server.seen[0]?.query.get('to')).toBe('2026-02-01T00:00:00Z');

    await writeFile(out, 'keep');
    const second = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'export', '--out', out], second.io)).toBe(2);
    expect(await readFile(out, 'utf8')).toBe('keep');
    expect(server.seen).toHaveLength(1);
  });

  it('writes to stdout without --out', async () => {
    const body = `${JSON.stringify(record(7))}\n`;
    const server = await setup({
      'GET /admin/v1/audit/export': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.end(body);
      },
    });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['audit', 'export'], io)).toBe(0);
    expect(stdout()).toBe(body);
  });
});
