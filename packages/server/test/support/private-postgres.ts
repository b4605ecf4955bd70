import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../cli/test/helpers/server-process.js';

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary directory, on a spare
 * port), for tests that stop the database, change its authentication or demand TLS: the
 * machine's own PostgreSQL is never touched. PostgreSQL refuses to run as root, so as root the
 * cluster runs as the `postgres` user, as Debian's packages install it.
 */
export interface PrivatePostgres {
  port: number;
  /** A URL for `user` (default the superuser `postgres`) and `database` (default `postgres`). */
  url(options?: { user?: string; password?: string; database?: string; query?: string }): string;
  /** Runs SQL as the superuser. */
  sql(statement: string): void;
  /** `pg_ctl stop -m <mode>`. */
  stop(mode?: 'smart' | 'fast' | 'immediate'): void;
  start(): void;
  /**
   * SIGSTOP to the postmaster and every backend: the server keeps its sockets but answers nothing,
   * as a host that hangs or a network that drops packets does. `thaw()` sends SIGCONT.
   */
  freeze(): void;
  thaw(): void;
  /** Stops the cluster and deletes its directory. */
  destroy(): void;
}

export interface PrivatePostgresOptions {
  /** pg_hba.conf lines; default: trust for every local and loopback connection. */
  hba?: string[];
  /** Extra postgresql.conf lines. */
  settings?: string[];
}

/** The directory of the newest installed PostgreSQL's binaries (Debian: /usr/lib/postgresql/N/bin). */
export function postgresBinaries(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return join(base, versions[0]!, 'bin');
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'agentauth-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  const pgUser = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : undefined;
  const pgGroup = asRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()) : undefined;
  chmodSync(root, 0o755);
  if (pgUser !== undefined && pgGroup !== undefined) chownSync(root, pgUser, pgGroup);

  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args];
    const result = spawnSync(file, argv as string[], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };

  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  const hba = options.hba ?? ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host all all ::1/128 trust'];
  writeFileSync(join(data, 'pg_hba.conf'), `${hba.join('\n')}\n`);
  const settings = [`port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${root}'`, 'fsync = off', ...(options.settings ?? [])];
  writeFileSync(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
  if (pgUser !== undefined && pgGroup !== undefined) {
    for (const file of ['pg_hba.conf', 'postgresql.auto.conf']) chownSync(join(data, file), pgUser, pgGroup);
  }

  const start = () => void run('pg_ctl', ['-D', data, '-l', join(root, 'log'), '-w', '-t', '60', 'start']);
  const stop = (mode: 'smart' | 'fast' | 'immediate' = 'fast') => void run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  start();
  const signalAll = (signal: 'SIGSTOP' | 'SIGCONT') => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' }).split('\n').map(Number).filter((pid) => pid > 0);
    // The postmaster first on the way down, so it forks no backend the list misses; last on the way up.
    for (const pid of signal === 'SIGSTOP' ? [postmaster, ...children] : [...children, postmaster]) process.kill(pid, signal);
  };
  const psql = join(bin, 'psql');
  return {
    port,
    url({ user = 'postgres', password, database = 'postgres', query } = {}) {
      const credentials = password === undefined ? user : `${user}:${encodeURIComponent(password)}`;
      return `postgres://${credentials}@127.0.0.1:${port}/${database}${query === undefined ? '' : `?${query}`}`;
    },
    sql(statement) {
      const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', psql, '-h', root, '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', statement]] : [psql, ['-h', root, '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', statement]];
      const result = spawnSync(file, argv as string[], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
    },
    stop,
    start,
    freeze: () => signalAll('SIGSTOP'),
    thaw: () => signalAll('SIGCONT'),
    destroy() {
      try {
        signalAll('SIGCONT');
      } catch {
        // Not running.
      }
      try {
        stop('immediate');
      } catch {
        // Already stopped.
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
