import { describe, expect, it } from 'vitest';

import { main } from '../src/index.js';
import { testIo } from './helpers/admin-stub.js';

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
