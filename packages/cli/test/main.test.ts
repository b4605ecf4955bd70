import { describe, expect, it } from 'vitest';

import { readFileSync } from 'node:fs';

import { main } from '../src/index.js';
import { agent, json, problem, startAdminStub, testIo } from './helpers/admin-stub.js';

const TOKEN = 'bootstrap-secret-token-value';

describe('agentauth usage', () => {
  it('prints the command list for --help and exits 0', async () => {
    const { io, stdout } = testIo();
    expect(await main(['--help'], io)).toBe(0);
    for (const command of ['agents create', 'agents list', 'agents remove-key', 'token', 'keys rotate', 'audit tail', 'audit verify', 'audit export', 'start']) {
      expect(stdout()).toContain(command);
    }
  });

  it('prints a command help with its flags', async () => {
    const { io, stdout } = testIo();
    expect(await main(['agents', 'create', '--help'], io)).toBe(0);
    expect(stdout()).toContain('usage: agentauth agents create --name N --owner O');
    expect(stdout()).toContain('--generate-key');
    expect(stdout()).toContain('--label KEY=VALUE (repeatable)');
  });

  it('prints a group help', async () => {
    const { io, stdout } = testIo();
    expect(await main(['audit', '--help'], io)).toBe(0);
    expect(stdout()).toContain('agentauth audit verify');
  });

  it.each([
    [[], ''],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['agents'], ''],
    [['agents', 'explode'], "unknown command 'agents explode'"],
    [['agents', 'list', '--bogus'], "Unknown option '--bogus'"],
    [['agents', 'show'], 'missing ID'],
    [['agents', 'show', 'a', 'b'], 'too many arguments'],
    [['agents', 'create', '--owner', 'o'], '--name is required'],
    [['agents', 'create', '--name', 'n', '--owner', 'o', '--ttl', 'soon'], '--ttl must be an integer'],
    [['agents', 'create', '--name', 'n', '--owner', 'o', '--label', 'novalue'], '--label must be key=value'],
    [['agents', 'create', '--name', 'n', '--owner', 'o', '--auth-method', 'magic'], '--auth-method must be one of'],
    [['agents', 'create', '--name', 'n', '--owner', 'o', '--generate-key'], '--key-out is required'],
    [['agents', 'create', '--name', 'n', '--owner', 'o', '--generate-key', '--key-out', 'k.json', '--jwk-file', 'p.json'], 'cannot be combined'],
    [['agents', 'list', '--limit', '501'], '--limit must be an integer from 1 to 500'],
    [['agents', 'update', 'agt_1'], 'nothing to update'],
    [['agents', 'add-key', 'agt_1'], 'give exactly one of --jwk-file and --generate-key'],
    [['agents', 'show', '..'], 'ID is not a valid id'],
    [['audit', 'export', '--from', 'yesterday'], '--from must be an RFC 3339 time'],
    [['token', '--key-file', 'k.json'], '--client-id is required'],
    [['token', '--client-id', 'agt_1', '--key-file', 'k.json', '--issuer', 'http://as.example.com'], 'https'],
    [['keys', 'list', '--json=yes'], "does not take an argument"],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { io, stderr } = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(argv, io)).toBe(2);
    expect(stderr()).toContain(message);
  });

  it('asks for an admin token before calling the admin API', async () => {
    const { io, stderr } = testIo();
    expect(await main(['agents', 'list'], io)).toBe(2);
    expect(stderr()).toContain('no admin token: set AGENTAUTH_ADMIN_TOKEN');
  });

  it('refuses to send the admin token over plain http off loopback, without printing it', async () => {
    const { io, stderr, stdout } = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN, AGENTAUTH_URL: 'http://agentauth.example.com' });
    expect(await main(['agents', 'list'], io)).toBe(2);
    expect(stderr()).toContain('refusing to send the admin token over plain http');
    expect(stderr() + stdout()).not.toContain(TOKEN);
  });

  it('does not echo a stray positional argument (it may be a secret)', async () => {
    const { io, stderr } = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['keys', 'list', 'sk_live_secret'], io)).toBe(2);
    expect(stderr()).not.toContain('sk_live_secret');
  });

  it('hands `start` and all its flags to the server package and returns its status', async () => {
    const calls: { argv: string[]; env: NodeJS.ProcessEnv }[] = [];
    const env = { AGENTAUTH_PORT: '9999' };
    const { io } = testIo(env, {
      loadServer: async () => ({
        runServer: async (argv, passedEnv) => {
          calls.push({ argv, env: passedEnv });
          return 7;
        },
      }),
    });
    expect(await main(['start', '--port', '9000', '--help'], io)).toBe(7);
    expect(calls).toEqual([{ argv: ['start', '--port', '9000', '--help'], env }]);
  });

  it('prints its own version for --version and -V, as JSON with --json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const argv of [['--version'], ['-V']]) {
      const { io, stdout } = testIo();
      expect(await main(argv, io)).toBe(0);
      expect(stdout()).toBe(`agentauth ${version}\n`);
    }
    const { io, stdout } = testIo();
    expect(await main(['--json', '--version'], io)).toBe(0);
    expect(JSON.parse(stdout())).toEqual({ version });
  });

  it('takes global flags before or after the command, the same', async () => {
    const server = await startAdminStub({ 'GET /admin/v1/agents': (_req, res) => json(res, 200, { items: [agent()] }) });
    try {
      const outputs: string[] = [];
      for (const argv of [
        ['--json', '--url', server.url, 'agents', 'list'],
        ['agents', 'list', '--json', `--url=${server.url}`],
        [`--url=${server.url}`, 'agents', 'list', '--json'],
      ]) {
        const { io, stdout, stderr } = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN });
        expect(await main(argv, io), stderr()).toBe(0);
        outputs.push(stdout());
      }
      expect(JSON.parse(outputs[0] ?? '')).toEqual({ items: [agent()] });
      expect(new Set(outputs).size).toBe(1);
      const twice = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN });
      expect(await main(['--url', server.url, 'agents', 'list', '--url', server.url], twice.io)).toBe(2);
      expect(twice.stderr()).toContain('--url is given twice');
    } finally {
      await server.close();
    }
  });

  it('shows the help of the command named after a leading --help', async () => {
    const { io, stdout } = testIo();
    expect(await main(['--help', 'agents', 'create'], io)).toBe(0);
    expect(stdout()).toContain('usage: agentauth agents create');
    const group = testIo();
    expect(await main(['-h', 'audit'], group.io)).toBe(0);
    expect(group.stdout()).toContain('agentauth audit verify');
  });

  it.each([
    [['--bogus', 'agents', 'list'], "unknown option '--bogus' (only global flags may come before the command)"],
    [['--url'], "Option '--url <value>' argument missing"],
    [['--json=1', 'agents', 'list'], "does not take an argument"],
    [['--json', 'start'], '--json does not apply to start'],
    [['agents', '--json'], "'agentauth agents' needs a command before its flags"],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { io, stderr } = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(argv, io)).toBe(2);
    expect(stderr()).toContain(message);
  });

  it('prints a multi-line message of ours as real lines, never \\x0a', async () => {
    const { io, stderr } = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['agents', 'create', '--name', '--owner', 'x'], io)).toBe(2);
    expect(stderr()).not.toContain('\\x0a');
    const lines = stderr().split('\n');
    expect(lines[0]).toBe("error: Option '--name' argument is ambiguous.");
    expect(lines[1]).toMatch(/^ {2}Did you forget to specify the option argument for '--name'\?$/);
    expect(lines.at(-2)).toBe("run 'agentauth agents create --help' for usage");
  });

  describe('with --json, errors are one JSON object on stderr', () => {
    it('for a usage error, wherever --json is', async () => {
      for (const argv of [['--json', 'agents', 'show'], ['agents', 'show', '--json'], ['agents', 'show', '--bogus', '--json']]) {
        const { io, stdout, stderr } = testIo({ AGENTAUTH_ADMIN_TOKEN: TOKEN });
        expect(await main(argv, io)).toBe(2);
        expect(stdout()).toBe('');
        const { error } = JSON.parse(stderr()) as { error: Record<string, unknown> };
        expect(Object.keys(error)).toEqual(['code', 'message', 'status', 'exit_code']);
        expect(error).toMatchObject({ code: 'usage', status: null, exit_code: 2 });
      }
    });

    it('for a refusal by the server: its problem code and HTTP status', async () => {
      const server = await startAdminStub({ 'GET /admin/v1/agents/agt_9': (_req, res) => problem(res, 404, 'not_found', 'Not found', 'no agent agt_9\u001b[2J') });
      try {
        const { io, stderr } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
        expect(await main(['agents', 'show', 'agt_9', '--json'], io)).toBe(1);
        expect(stderr().endsWith('\n')).toBe(true);
        expect(JSON.parse(stderr())).toEqual({ error: { code: 'not_found', message: 'Not found (not_found): no agent agt_9\\x1b[2J', status: 404, exit_code: 1 } });
      } finally {
        await server.close();
      }
    });

    it('for an unreachable server: its kind, exit 3 and a hint', async () => {
      const stopped = await startAdminStub({});
      await stopped.close();
      const { io, stderr } = testIo({ AGENTAUTH_URL: stopped.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
      expect(await main(['--json', 'keys', 'list'], io)).toBe(3);
      expect(JSON.parse(stderr())).toEqual({
        error: { code: 'connection_refused', message: `connection refused by ${stopped.url} (ECONNREFUSED)`, status: null, exit_code: 3, hint: expect.stringContaining('agentauth start') },
      });
    });
  });

  it('does not load the server for other commands', async () => {
    let loaded = false;
    const { io } = testIo({}, {
      loadServer: async () => {
        loaded = true;
        throw new Error('should not load');
      },
    });
    await main(['--help'], io);
    await main(['agents', 'list', '--help'], io);
    expect(loaded).toBe(false);
  });
});
