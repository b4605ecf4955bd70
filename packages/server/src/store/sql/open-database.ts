import type { PoolStats } from '../ports/gauge-store.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { postgresDialect, sqliteDialect } from './dialect.js';
import { SqlContext } from './sql-context.js';
import { withStatementCache } from './statement-cache.js';
import { acquireFileGate, openGate } from './write-gate.js';
import { ensurePrivateDirectory, ensurePrivateFile } from '../../private-directory.js';

/** Where and how to open the database (config.ts `databaseUrl`, `dataDir`). */
export interface DatabaseOptions {
  /** `postgres://` or `postgresql://` selects PostgreSQL; undefined selects SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  logger?: { info(msg: string): void; warn?(msg: string): void };
}

/** The SQLite file's name inside the data directory. */
export const SQLITE_FILE = 'agentauth.db';
/** Connections per node to PostgreSQL. */
export const POSTGRES_POOL_SIZE = 10;
/** How long a request waits for a PostgreSQL connection (a free one, or a new one), ms. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5000;
/**
 * How long one PostgreSQL statement may go unanswered before its connection is given up, ms: a
 * database that hangs (a frozen host, a network that drops packets) keeps established connections
 * open and silent, and TCP would take hours to notice. The request then gets its 503 like any other
 * lost connection. Migrations are not bounded: an index on a large table may take longer.
 */
export const POSTGRES_QUERY_TIMEOUT_MS = 15_000;
/** How long a SQLite writer waits for another process's write lock, ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
const INT8_OID = 20;

/** An open database and how to close it. */
export interface OpenDatabase {
  ctx: SqlContext;
  /** The SQLite file, when the database is SQLite. */
  sqliteFile?: string;
  /** PostgreSQL: the pool's connections now, and the connections lost since it opened. */
  pool?: () => PoolStats;
  /** PostgreSQL: turns {@link POSTGRES_QUERY_TIMEOUT_MS} off (false) for migrations, and on again. */
  boundQueries?(on: boolean): void;
  close(): Promise<void>;
}

function openSqlite(dataDir: string, logger: DatabaseOptions['logger']): OpenDatabase {
  // The directory holds the database and the master key: only the server's user may enter it.
  ensurePrivateDirectory(dataDir);
  const file = join(dataDir, SQLITE_FILE);
  // SQLite creates the WAL and shared-memory files with the database file's permissions.
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    if (name === file || existsSync(name)) {
      if (ensurePrivateFile(name)) logger?.warn?.(`${name} was readable by group or others: its mode is now 0600`);
    }
  }
  const sqlite = new BetterSqlite3(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    // FULL: a committed audit record survives power loss, not only a process crash.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const { gate, release } = acquireFileGate(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    ctx: new SqlContext(db, sqliteDialect, gate),
    sqliteFile: file,
    async close() {
      await db.destroy();
      release();
    },
  };
}

function openPostgres(connectionString: string, logger: DatabaseOptions['logger']): OpenDatabase {
  const pool = new pg.Pool({
    connectionString,
    max: POSTGRES_POOL_SIZE,
    // While the database is away, requests fail fast instead of queueing for a connection that
    // cannot be made; TCP keepalive finds a connection whose peer vanished without closing it.
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    keepAlive: true,
    // Times and seqs are int8: parse them to numbers for this pool only, never globally, so other
    // pg users in the process keep their own parsing.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A client whose connection dies emits 'error'. With no listener Node would throw it and end the
  // process: the pool listens only while a client is idle, so every client gets its own listener
  // for the time it is checked out (in a transaction, or a query in flight) too. The query in flight
  // fails on its own (StorageUnavailableError), and the pool drops the dead client when it is
  // released and opens a new connection for the next query: a database that restarts is reconnected
  // to without restarting the server.
  let lost = 0;
  const onLost = (error: Error) => {
    lost += 1;
    logger?.warn?.(`postgres connection lost: ${error.message}`);
  };
  let bounded = true;
  pool.on('connect', (client) => {
    client.on('error', onLost);
    boundEachQuery(client, () => bounded);
  });
  // The pool re-emits an idle client's error; that client's own listener has logged it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const stats = (): PoolStats => ({ max: POSTGRES_POOL_SIZE, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, lost });
  return { ctx: new SqlContext(db, postgresDialect, openGate), pool: stats, boundQueries: (on) => void (bounded = on), close: () => db.destroy() };
}

/**
 * Ends `client`'s socket when a statement (the promise form Kysely uses) is unanswered after
 * {@link POSTGRES_QUERY_TIMEOUT_MS}: node-postgres then fails it and everything queued behind it
 * with `Connection terminated unexpectedly`, and the pool drops the client at its release. Not
 * pg's own `query_timeout`, which fails the statement but leaves the connection busy with it, and
 * within a transaction returns it to the pool still open.
 */
function boundEachQuery(client: pg.PoolClient, bounded: () => boolean): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const socket = (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (!bounded() || !(result instanceof Promise)) return result;
    const timer = setTimeout(() => socket.destroy(), POSTGRES_QUERY_TIMEOUT_MS);
    return result.finally(() => clearTimeout(timer));
  };
}

/**
 * Opens the configured database without migrating it. SQLite: `<dataDir>/agentauth.db` (the
 * directory private: created with mode 0700, refused when others may enter it; the database files
 * 0600, tightened with a warning when an older version left them readable) in WAL mode with `synchronous=FULL`, foreign keys and a
 * busy timeout. PostgreSQL: a pool of `POSTGRES_POOL_SIZE`. Any other URL is a `TypeError`.
 */
export function openDatabase(options: DatabaseOptions): OpenDatabase {
  const url = options.databaseUrl;
  if (url === undefined) return openSqlite(options.dataDir, options.logger);
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, options.logger);
  throw new TypeError('databaseUrl must be a postgres:// or postgresql:// URL, or unset for SQLite');
}
