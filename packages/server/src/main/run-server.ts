import cluster from 'node:cluster';
import pino from 'pino';
import { cryptoRandom } from '../random.js';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import { readTracingSettings } from '../config/read-tracing-settings.js';
import type { TracingSettings } from '../tracing/tracing-settings.js';
import { renderFlagsHelp } from '../config/render-flags-help.js';
import { startServer } from './start-server.js';
import { isAgentChangedNotice } from '../cluster-notice.js';
import { DataDirInUseError, lockDataDir } from '../data-dir-lock.js';
import { InsecureDataDirError } from '../private-directory.js';
import { assertAddressesFree, ListenError } from '../http/listen-address.js';
import { DatabaseOpenError } from '../store/sql/database-open-error.js';
import { NodeMismatchError } from '../node-agreement.js';
import { adoptIssuerOnce, migrateOnce, prepareDataOnce } from './wire-storage.js';
import { describeRotation, NewMasterKeyError, parseNewMasterKey, rotateMasterKeyOnce } from './rotate-master-key-command.js';
import { MasterKeyMismatchError } from './rotate-master-key.js';
import { SealedBoxError } from '../keys/sealed-box.js';

const USAGE = `Usage: agentauth-server <command> [options]

Commands:
  start     run the server (default)
  migrate   apply database migrations and exit
  rotate-master-key
            re-encrypt every sealed value under the new master key read from standard input
  adopt-issuer
            make the configured issuer the one every node of the shared
            PostgreSQL database must have (stop every node first)

Options: agentauth-server start --help (every option also has an AGENTAUTH_* variable).`;

/**
 * The server's command line: `start`, `migrate` and `rotate-master-key`, each with `--help` for its flags. Returns the
 * process exit status: 0, 1 when the server failed (a taken address, a data directory in use, a
 * database that cannot be opened: each printed as one line saying why, before anything was
 * written), 2 for invalid configuration or usage (every problem printed at once).
 */
export async function runServer(argv: readonly string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<number> {
  const [command = 'start', ...options] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (command !== 'start' && command !== 'migrate' && command !== 'rotate-master-key' && command !== 'adopt-issuer') {
    process.stderr.write(`agentauth-server: unknown command "${command.slice(0, 40)}"\n\n${USAGE}\n`);
    return 2;
  }
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(renderFlagsHelp(command === 'adopt-issuer' ? 'migrate' : command));
    return 0;
  }

  let config: Config;
  let tracing: TracingSettings;
  try {
    const loaded = loadConfig({ argv: options, env, cwd });
    config = loaded.config;
    // The standard OTEL_* variables, apart from AGENTAUTH_* settings (docs/monitoring.md, "Traces").
    tracing = readTracingSettings(env);
    if (cluster.isPrimary) for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`agentauth-server: invalid configuration\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    throw error;
  }

  try {
    if (command === 'migrate') {
      const applied = await migrateOnce(config);
      process.stdout.write(applied.length === 0 ? 'database is up to date\n' : `applied: ${applied.join(', ')}\n`);
      return 0;
    }
    if (command === 'rotate-master-key') {
      const counts = await rotateMasterKeyOnce(config, parseNewMasterKey(await readNewKey()));
      process.stdout.write(describeRotation(counts, config.masterKey === undefined));
      return 0;
    }
    if (command === 'adopt-issuer') {
      process.stdout.write(`every node of this database must now have the issuer ${await adoptIssuerOnce(config)}\n`);
      return 0;
    }
    if (config.workers > 1 && cluster.isPrimary) return await runPrimary(config);
    await startServer(config, { tracing: { settings: tracing } });
    return -1; // keep running; the process exits on a signal
  } catch (error) {
    if (error instanceof SealedBoxError && command === 'start') {
      // The keys in the database were sealed under another master key (a rotation, a wrong secret).
      process.stderr.write('agentauth-server: cannot start: the master key does not open the keys stored in the database; start with the key they are sealed under (after `agentauth master-key rotate`, the new one)\n');
      return 1;
    }
    if (!isStartupFailure(error)) throw error;
    process.stderr.write(`agentauth-server: cannot ${VERBS[command]}: ${error.message}\n`);
    return 1;
  }
}

/** Failures whose message is written for the operator: printed alone, without a stack. */
function isStartupFailure(error: unknown): error is Error {
  return (
    error instanceof ListenError ||
    error instanceof DataDirInUseError ||
    error instanceof DatabaseOpenError ||
    error instanceof InsecureDataDirError ||
    error instanceof NewMasterKeyError ||
    error instanceof MasterKeyMismatchError ||
    error instanceof NodeMismatchError
  );
}

/** How a failure of each command is introduced. */
const VERBS = { start: 'start', migrate: 'migrate', 'rotate-master-key': 'rotate the master key', 'adopt-issuer': 'adopt the issuer' } as const;

/** A key file is tiny; standard input longer than this is not a key. */
const MAX_KEY_INPUT = 1024;

/** The new master key from standard input, never from an argument (argv shows in the process list). */
async function readNewKey(): Promise<string> {
  if (process.stdin.isTTY) throw new NewMasterKeyError('pipe the new master key on standard input, e.g. from your secret manager');
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('latin1');
    if (text.length > MAX_KEY_INPUT) throw new NewMasterKeyError('standard input is too long to be a master key');
  }
  return text;
}

/**
 * node:cluster primary: prepares the data once (migrations, master key, bootstrap token), then
 * forks the workers, which share the listening socket. It relays agent-change notices so every
 * worker drops a changed agent from its cache at once.
 */
async function runPrimary(config: Config): Promise<number> {
  await assertAddressesFree(config);
  // The primary holds the SQLite data directory for its workers, for as long as it runs.
  const lock = config.databaseUrl === undefined ? lockDataDir(config.dataDir) : undefined;
  try {
    await prepareDataOnce(config, pino({ level: config.logLevel }), cryptoRandom);
  } catch (error) {
    lock?.release();
    throw error;
  }
  process.once('exit', () => lock?.release());
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on('message', (_worker, message: unknown) => {
    if (isAgentChangedNotice(message)) for (const worker of Object.values(cluster.workers ?? {})) worker?.send(message);
  });
  let stopping = false;
  // A worker that dies right after it started (port taken, database unreachable) would die again:
  // give up instead of forking in a loop.
  const recentDeaths: number[] = [];
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length > 0 && (recentDeaths[0] as number) < now - 10_000) recentDeaths.shift();
    if (recentDeaths.length > config.workers * 2) {
      process.stderr.write(`workers keep exiting (last: ${signal ?? code}); stopping\n`);
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return -1;
}
