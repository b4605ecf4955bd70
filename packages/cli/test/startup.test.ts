import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../../server/test/support/private-postgres.js';
import { CLI, freePort, startServerProcess } from './helpers/server-process.js';

/** `agentauth <args>` in `cwd` with no inherited AGENTAUTH_* settings; waits for it to exit. */
function agentauth(args: string[], cwd: string, env: Record<string, string> = {}) {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
  const result = spawnSync('node', [CLI, ...args], { cwd, env: { ...clean, AGENTAUTH_LOG_LEVEL: 'warn', AGENTAUTH_MTLS_PORT: '0', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stderr: result.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'agentauth-startup-'));
}

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('agentauth start: an address already in use', () => {
  it('exits 1 at once naming the address, and creates and audits nothing', async () => {
    const port = await freePort();
    const squatter = await occupy(port);
    const cwd = tempDir();
    try {
      const result = agentauth(['start', '--port', String(port)], cwd);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the address is already in use`);
      // Nothing was created, so nothing was audited: no data directory at all.
      expect(existsSync(join(cwd, '.agentauth'))).toBe(false);
    } finally {
      squatter.close();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('checks the mutual-TLS listener too', async () => {
    const mtlsPort = await freePort();
    const squatter = await occupy(mtlsPort);
    const cwd = tempDir();
    try {
      const result = agentauth(['start', '--port', String(await freePort()), '--mtls-port', String(mtlsPort)], cwd);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${mtlsPort}: the address is already in use`);
      expect(existsSync(join(cwd, '.agentauth'))).toBe(false);
    } finally {
      squatter.close();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('agentauth start: one server per SQLite data directory', () => {
  it('refuses a second server on the same data directory, naming the first one\'s pid; the first keeps serving', async () => {
    const first = await startServerProcess();
    try {
      const second = agentauth(['start', '--port', String(await freePort())], first.workDir);
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`is in use by another agentauth process (pid ${first.process.pid})`);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });

  it('takes the directory over after the holder is killed with SIGKILL (no stale lock)', async () => {
    const first = await startServerProcess();
    const exited = new Promise((resolve) => first.process.once('exit', resolve));
    first.process.kill('SIGKILL');
    await exited;
    const again = await startServerProcess({ cwd: first.workDir });
    try {
      expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    } finally {
      await again.stop();
      await first.stop();
    }
  });

  it('lets --workers 2 run (the primary holds the lock) and refuses a single server beside it', async () => {
    const cluster = await startServerProcess({ args: ['--workers', '2'], env: { AGENTAUTH_LOG_LEVEL: 'info' }, ready: (output) => (output.match(/agentauth listening/g) ?? []).length === 2 });
    try {
      const beside = agentauth(['start', '--port', String(await freePort())], cluster.workDir);
      expect(beside.status).toBe(1);
      expect(beside.stderr).toContain(`(pid ${cluster.process.pid})`);
    } finally {
      await cluster.stop();
    }
  });
});

describe('agentauth start: files at rest are private', () => {
  it('creates the database, its WAL and shared-memory files, the master key and the token file 0600 in a 0700 directory', async () => {
    const server = await startServerProcess();
    try {
      const dir = join(server.workDir, '.agentauth');
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const name of ['agentauth.db', 'agentauth.db-wal', 'agentauth.db-shm', 'master.key', 'bootstrap-token', 'agentauth.lock']) {
        expect({ name, mode: statSync(join(dir, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
      }
    } finally {
      await server.stop();
    }
  });

  it('refuses a data directory that group or others may enter, naming the fix, and writes nothing into it', async () => {
    const cwd = tempDir();
    try {
      mkdirSync(join(cwd, '.agentauth'), { mode: 0o755 });
      chmodSync(join(cwd, '.agentauth'), 0o755);
      const result = agentauth(['start', '--port', String(await freePort())], cwd);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`the data directory ${join(cwd, '.agentauth')} is accessible by group or others (mode 755)`);
      expect(result.stderr).toContain(`chmod 700 ${join(cwd, '.agentauth')}`);
      expect(readdirSync(join(cwd, '.agentauth'))).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('tightens a database file an older version left readable, and says so', async () => {
    const first = await startServerProcess();
    const dir = join(first.workDir, '.agentauth');
    const stopped = new Promise((resolve) => first.process.once('exit', resolve));
    first.process.kill('SIGTERM');
    await stopped;
    chmodSync(join(dir, 'agentauth.db'), 0o644);
    const again = await startServerProcess({ cwd: first.workDir });
    try {
      expect(statSync(join(dir, 'agentauth.db')).mode & 0o777).toBe(0o600);
      expect(again.output()).toContain(`${join(dir, 'agentauth.db')} was readable by group or others: its mode is now 0600`);
    } finally {
      await again.stop();
      await first.stop();
    }
  });
});

describe('agentauth start: the bootstrap token stays out of the log stream', () => {
  it('without a terminal: written to a 0600 file that the log names, never printed', async () => {
    const server = await startServerProcess();
    try {
      const file = join(server.workDir, '.agentauth/bootstrap-token');
      const token = readFileSync(file, 'utf8').trim();
      expect(token).toMatch(/^aab_[A-Za-z0-9_-]{43}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(server.output()).toContain(file);
      expect(server.output()).not.toContain(token);
      const accepted = await fetch(`${server.url}/admin/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
      expect(accepted.status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('on a terminal: also shown there, in the banner', async () => {
    const cwd = tempDir();
    const port = await freePort();
    // script(1) runs the server on a pseudo-terminal: stderr is a TTY, as in an operator's shell.
    const command = `AGENTAUTH_PORT=${port} AGENTAUTH_MTLS_PORT=0 AGENTAUTH_LOG_LEVEL=warn exec node ${CLI} start`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!/aab_[A-Za-z0-9_-]{43}/.test(output) && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
      const token = readFileSync(join(cwd, '.agentauth/bootstrap-token'), 'utf8').trim();
      expect(output).toContain('Admin bootstrap token');
      expect(output).toContain(token);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      spawnSync('pkill', ['-TERM', '-f', `AGENTAUTH_PORT=${port}`]);
      await exited;
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('agentauth start and migrate: PostgreSQL failures say why', () => {
  let postgres: PrivatePostgres;
  let tlsOnly: PrivatePostgres;
  let cwd: string;

  beforeAll(async () => {
    cwd = tempDir();
    postgres = await startPrivatePostgres({ hba: ['local all all trust', 'host all all 127.0.0.1/32 scram-sha-256'] });
    postgres.sql("CREATE ROLE agentauth LOGIN PASSWORD 'right-password'");
    postgres.sql('CREATE DATABASE agentauth OWNER agentauth');
    tlsOnly = await startPrivatePostgres({ hba: ['local all all trust', 'hostssl all all 127.0.0.1/32 trust'] });
  }, 180_000);

  afterAll(() => {
    postgres?.destroy();
    tlsOnly?.destroy();
    rmSync(cwd, { recursive: true, force: true });
  });

  const cases = (): [string, () => string, RegExp][] => [
    // Nothing listens on port 1.
    ['connection refused', () => 'postgres://agentauth:right-password@127.0.0.1:1/agentauth', /connection refused by 127\.0\.0\.1:1: is PostgreSQL running/],
    ['an unknown database', () => postgres.url({ user: 'agentauth', password: 'right-password', database: 'no_such_db' }), /database "no_such_db" does not exist on 127\.0\.0\.1:\d+/],
    ['a wrong password', () => postgres.url({ user: 'agentauth', password: 'wrong-password', database: 'agentauth' }), /password authentication failed for user "agentauth" at 127\.0\.0\.1:\d+/],
    ['a server that requires TLS', () => tlsOnly.url({ database: 'postgres' }), /requires TLS for this connection .*sslmode/],
  ];

  for (const command of ['start', 'migrate'] as const) {
    it(`${command}: names the reason, exits 1, and never prints the password`, async () => {
      for (const [, url, reason] of cases()) {
        const env = { AGENTAUTH_DATABASE_URL: url() };
        const result = command === 'start' ? agentauth(['start', '--port', String(await freePort())], cwd, env) : agentauthServer(['migrate'], cwd, env);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(reason);
        expect(result.output).not.toContain('right-password');
        expect(result.output).not.toContain('wrong-password');
      }
    }, 180_000);
  }
});

const SERVER_BIN = join(CLI, '../../../../server/dist/bin/agentauth-server.js');

function agentauthServer(args: string[], cwd: string, env: Record<string, string>) {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
  const result = spawnSync('node', [SERVER_BIN, ...args], { cwd, env: { ...clean, AGENTAUTH_LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stderr: result.stderr };
}
