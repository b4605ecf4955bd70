import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { CommitLog } from '../audit/commit-log.js';
import { CommittedAuditTap } from '../audit/committed-audit-tap.js';
import { createCommitLog, type CommitObserver } from '../audit/group-commit.js';
import { announceBootstrapToken, resolveBootstrapToken } from '../bootstrap-token.js';
import type { Config } from '../config/config.js';
import { lockDataDir } from '../data-dir-lock.js';
import { resolveMasterKey } from '../keys/master-key.js';
import { adoptIssuer, assertNodeAgreement, recordNodeIdentity, type NodeIdentity } from '../node-agreement.js';
import type { Random } from '../random.js';
import { openStore, runMigrations } from '../store/sql/open-store.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/** The durable ground every other part stands on. */
export interface Storage {
  store: Store;
  /** Encrypts private keys at rest; derives the DPoP nonce and token digest keys. */
  masterKey: Buffer;
  /** SHA-256 of the accepted admin bootstrap token. */
  bootstrapDigest: Buffer;
  commitLog: CommitLog;
  /** The audit records the commit log made durable, for watchers (anomaly detection). */
  committedAudit: CommittedAuditTap;
}

/**
 * The data directory and the database (the one place that opens `store/sql`): the data
 * directory's lock for one SQLite server (a cluster's workers run under their primary's), the
 * store, migrated; the master key; the bootstrap token (announced at a first start); the commit log.
 */
export async function wireStorage(
  deps: { config: Config; logger: Logger; random: Random; lifecycle: Lifecycle; commitObserver: CommitObserver | undefined },
  announce: ((token: string) => void) | undefined,
): Promise<Storage> {
  const { config, logger, lifecycle } = deps;
  if (config.databaseUrl === undefined && !cluster.isWorker) {
    const lock = lockDataDir(config.dataDir);
    lifecycle.onClose('data directory lock', () => lock.release());
  }
  logger.info('opening the database');
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true, logger, commitThread: true });
  lifecycle.onClose('store', () => store.close());
  const masterKey = await resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, logger });
  await assertNodeAgreement(store, nodeIdentity(config, masterKey));
  const bootstrapDigest = await resolveBootstrapToken(store, config.bootstrapToken, deps.random, announce ?? announceBootstrapToken({ dataDir: config.dataDir, logger }));
  const committedAudit = new CommittedAuditTap();
  const observer = deps.commitObserver;
  const commitLog = createCommitLog({ store, flushIntervalMs: config.auditFlushInterval, logger, onCommitted: (records) => committedAudit.emit(records), ...(observer === undefined ? {} : { observer }) });
  lifecycle.onClose('commit log', () => commitLog.close());
  return { store, masterKey, bootstrapDigest, commitLog, committedAudit };
}

/** What this node must agree on with every other node of its database (docs/operations.md). */
export function nodeIdentity(config: Config, masterKey: Buffer): NodeIdentity {
  return { masterKey, issuer: config.issuer, shared: config.databaseUrl !== undefined };
}

/**
 * Records this node's master key check value and issuer where the database has none yet: called
 * once the signing keys were unsealed under the key, which proves it is the database's own.
 */
export async function recordNodeAgreement(store: Store, config: Config, masterKey: Buffer): Promise<void> {
  await recordNodeIdentity(store, nodeIdentity(config, masterKey));
}

/**
 * What must happen exactly once before several workers start: migrations, the master key file
 * and the bootstrap token. A single-process server does the same inside `createServer`.
 */
export async function prepareDataOnce(config: Config, logger: Logger, random: Random): Promise<void> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
  try {
    const masterKey = await resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, logger });
    await assertNodeAgreement(store, nodeIdentity(config, masterKey));
    await resolveBootstrapToken(store, config.bootstrapToken, random, announceBootstrapToken({ dataDir: config.dataDir, logger }));
  } finally {
    await store.close();
  }
}

/**
 * `agentauth-server adopt-issuer`: makes the configured issuer the one every node of the shared
 * database must have, after the operator stopped them all to move to it.
 */
export async function adoptIssuerOnce(config: Config): Promise<string> {
  if (config.databaseUrl === undefined) throw new Error('adopt-issuer applies to a shared PostgreSQL database (AGENTAUTH_DATABASE_URL)');
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
  try {
    await adoptIssuer(store, config.issuer);
    return config.issuer;
  } finally {
    await store.close();
  }
}

/** `agentauth-server migrate`: on SQLite it takes the data directory like a server would, never under a running one. */
export async function migrateOnce(config: Config): Promise<string[]> {
  const lock = config.databaseUrl === undefined ? lockDataDir(config.dataDir) : undefined;
  try {
    return await runMigrations({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } finally {
    lock?.release();
  }
}
