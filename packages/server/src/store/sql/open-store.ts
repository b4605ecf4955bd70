import type { Store } from '../store.js';
import { sqlAgentStore } from './agent-queries.js';
import { sqlAuditCheckpointStore } from './audit-checkpoint-queries.js';
import { sqlSiemCheckpointStore } from './siem-checkpoint-queries.js';
import { sqlAuditStore } from './audit-queries.js';
import { sqlAgentUsageStore } from './agent-usage-queries.js';
import { sqlCaStore } from './ca-queries.js';
import { compileCommitStatements } from './commit-statements.js';
import { sqlCommitStore } from './commit-units.js';
import { databaseOpenError } from './database-open-error.js';
import { sqlEnrollmentStore } from './enrollment-queries.js';
import { sqlApiKeyStore } from './api-key-queries.js';
import { sqlImportedKeyStore } from './imported-key-queries.js';
import { sqlKeyCutoverStore } from './key-cutover-queries.js';
import { sqlPasskeyStore } from './passkey-queries.js';
import { sqlAnomalyStore } from './anomaly-queries.js';
import { sqlApprovalStore } from './approval-queries.js';
import { sqlFederationStore } from './federation-queries.js';
import { sqlGaugeStore } from './gauge-queries.js';
import { sqlPolicyStore } from './policy-queries.js';
import { migrateToLatest } from './migrate.js';
import { openDatabase, SQLITE_BUSY_TIMEOUT_MS, type DatabaseOptions, type OpenDatabase } from './open-database.js';
import { sqlReplayClaimStore } from './replay-claim-queries.js';
import { sqlSealedValueStore } from './sealed-value-queries.js';
import { sqlSettingsStore } from './settings-queries.js';
import { sqlSignalsStore } from './signals-queries.js';
import { sqlSigningKeyStore } from './signing-key-queries.js';
import { classifyingStorageErrors } from './storage-failure.js';
import { StorageHealth } from './storage-health.js';
import { SqliteCommitThread } from './sqlite-commit-thread.js';
import { sqlTokenLineageStore } from './token-lineage-queries.js';
import { sqlTokenStore } from './token-queries.js';
import { sqlUserStore } from './user-queries.js';
import { sqlLoginProviderStore } from './login-provider-queries.js';
import { sqlAuthorizationStore } from './authorization-queries.js';
import { sqlDelegationStore } from './delegation-queries.js';

/** Options of `openStore`: `DatabaseOptions`, and whether to migrate first. */
export interface OpenStoreOptions extends DatabaseOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /**
   * SQLite only: run the group commit (`commitUnits`) on its own thread, so its fsync never
   * blocks the event loop (the server does; default false). The chain is then hashed with
   * `hashAuditRecord`, and `commitUnits` refuses any other hash function.
   */
  commitThread?: boolean;
}

/**
 * Opens the store the configuration names (ARCHITECTURE.md, Storage: SQLite in the data directory for one
 * node, PostgreSQL for many) and, unless `migrate` is false, brings its schema up to date. A
 * database that cannot be reached or migrated is a `DatabaseOpenError` saying why.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const opened = open(options);
  try {
    if (options.migrate !== false) await migrate(opened, options);
  } catch (error) {
    await opened.close();
    throw databaseOpenError(error, options.databaseUrl, options.dataDir);
  }
  const thread =
    options.commitThread && opened.sqliteFile !== undefined ? new SqliteCommitThread(opened.sqliteFile, SQLITE_BUSY_TIMEOUT_MS, compileCommitStatements(opened.ctx.db)) : undefined;
  return storeOver(opened, thread);
}

/** Every port over one open database, as one object, its storage failures classified. */
function storeOver(opened: OpenDatabase, thread: SqliteCommitThread | undefined): Store {
  const { ctx } = opened;
  let closed = false;
  const health = new StorageHealth(ctx);
  const verbs = classifyingStorageErrors(
    joinPorts(
      sqlAgentStore(ctx),
      sqlSigningKeyStore(ctx),
      sqlTokenStore(ctx),
      sqlReplayClaimStore(ctx),
      sqlAuditStore(ctx),
      sqlAgentUsageStore(ctx),
      sqlAuditCheckpointStore(ctx),
      sqlCommitStore(ctx, thread),
      sqlSettingsStore(ctx),
      sqlEnrollmentStore(ctx),
      sqlFederationStore(ctx),
      sqlPolicyStore(ctx),
      sqlCaStore(ctx),
      sqlSignalsStore(ctx),
      sqlTokenLineageStore(ctx),
      sqlUserStore(ctx),
      sqlLoginProviderStore(ctx),
      sqlAuthorizationStore(ctx),
      sqlApiKeyStore(ctx),
      sqlDelegationStore(ctx),
      sqlImportedKeyStore(ctx),
      sqlKeyCutoverStore(ctx),
      sqlApprovalStore(ctx),
      sqlPasskeyStore(ctx),
      sqlAnomalyStore(ctx),
      sqlSiemCheckpointStore(ctx),
      sqlGaugeStore(ctx),
      sqlSealedValueStore(ctx),
    ),
    () => health.failed(),
  );
  return {
    ...verbs,
    async commitUnits(units, hashRecord) {
      const results = await verbs.commitUnits(units, hashRecord);
      health.wrote();
      return results;
    },
    dialect: ctx.dialect.name,
    ping: () => health.probe(),
    storageStats: () => ({ failures: health.failures, pool: opened.pool?.() ?? null }),
    async close() {
      if (closed) return;
      closed = true;
      await thread?.close();
      await opened.close();
    },
  };
}

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * The verbs of every port on one object. They must be distinct: a verb two ports declare is a
 * `TypeError` at the first start, rather than one port silently hiding the other's.
 */
function joinPorts<P extends object[]>(...ports: P): Intersection<P[number]> {
  const verbs: Record<string, unknown> = {};
  for (const port of ports) {
    for (const [name, verb] of Object.entries(port)) {
      if (name in verbs) throw new TypeError(`two store ports declare ${name}`);
      verbs[name] = verb;
    }
  }
  return verbs as Intersection<P[number]>;
}

function open(options: DatabaseOptions): OpenDatabase {
  try {
    return openDatabase(options);
  } catch (error) {
    throw error instanceof TypeError ? error : databaseOpenError(error, options.databaseUrl, options.dataDir);
  }
}

/**
 * Migrates under the write gate, so another store on the same SQLite file waits rather than fails;
 * with no bound on how long a PostgreSQL statement takes (an index on a large table).
 */
async function migrate(opened: OpenDatabase, options: DatabaseOptions): Promise<string[]> {
  opened.boundQueries?.(false);
  try {
    return await opened.ctx.exclusive(() => migrateToLatest(opened.ctx.db, options.logger));
  } finally {
    opened.boundQueries?.(true);
  }
}

/**
 * Applies pending migrations and closes the database: the `agentauth-server migrate` command.
 * Returns the names of the migrations applied (empty when the schema was current).
 */
export async function runMigrations(options: DatabaseOptions): Promise<string[]> {
  const opened = open(options);
  try {
    return await migrate(opened, options);
  } catch (error) {
    throw databaseOpenError(error, options.databaseUrl, options.dataDir);
  } finally {
    await opened.close();
  }
}
