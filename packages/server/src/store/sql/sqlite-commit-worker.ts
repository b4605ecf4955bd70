/**
 * The SQLite group commit, run on its own thread (see `SqliteCommitThread`). better-sqlite3 is
 * synchronous: on the main thread every batch's `COMMIT` — an fsync under `synchronous=FULL` —
 * would stop the event loop, and POST /token with it. Here the fsync blocks only this thread.
 *
 * Same semantics as `commitUnits` (the claims, `planCommit`, the chain head), on this thread's own
 * connection, with the statements the main thread compiled from the Kysely builder
 * (`CommitStatements`). The chain is hashed with `hashAuditRecord`, the audit log's one hash
 * function: the callback `commitUnits` takes cannot cross a thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { hashAuditRecord } from '../../audit/hash-chain.js';
import type { CommitResult } from '../ports/commit-store.js';
import type { CommitStatements } from './commit-statements.js';
import type { AuditChainHeadTable } from './database.js';
import { batchClaims, lostClaims, planCommit, type PreparedUnit } from './commit-units.js';
import { bindTemplate, type SqlTemplate } from './sql-template.js';

/** A request from the main thread. */
export interface CommitRequest {
  id: number;
  units: PreparedUnit[];
}

/**
 * The answer: the results, or the error's message and SQLite code (the batch was rolled back); the
 * code lets the main thread tell a full disk or an I/O error from a fault of ours.
 */
export type CommitReply = { id: number; results: CommitResult[] } | { id: number; error: string; code?: string };

/** What the main thread starts this thread with (`SqliteCommitThread`). */
export interface CommitWorkerData {
  file: string;
  busyTimeoutMs: number;
  statements: CommitStatements;
}

const { file, busyTimeoutMs, statements } = workerData as CommitWorkerData;
const db = new BetterSqlite3(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma(`busy_timeout = ${busyTimeoutMs}`);

/** A compiled statement, prepared on this connection: runs with the values it names, reads `Row`s. */
function prepare<Row = never>(template: SqlTemplate) {
  const statement = db.prepare<unknown[], Row>(template.sql);
  return {
    run: (values: object) => statement.run(bindTemplate(template, values)),
    get: (values: object) => statement.get(bindTemplate(template, values)),
  };
}

const insertClaim = prepare(statements.claim);
const readHead = prepare<Pick<AuditChainHeadTable, 'seq' | 'hash'>>(statements.readHead);
const moveHead = prepare(statements.moveHead);
const insertAudit = prepare(statements.audit);
const insertToken = prepare(statements.token);
const insertCertificate = prepare(statements.certificate);

const commit = db.transaction((units: PreparedUnit[]): CommitResult[] => {
  const { rows, firstClaimant } = batchClaims(units);
  const inserted = new Set<string>();
  for (const row of rows) if (insertClaim.run(row).changes === 1) inserted.add(row.key);
  const head = readHead.get({});
  if (head === undefined) throw new Error('audit_chain_head row is missing');
  const plan = planCommit(units, lostClaims(units, inserted, firstClaimant), { seq: Number(head.seq), hash: head.hash }, hashAuditRecord);
  for (const row of plan.auditRows) insertAudit.run(row);
  if (plan.auditRows.length > 0) moveHead.run({ seq: plan.seq, hash: plan.prevHash });
  for (const row of plan.tokenRows) insertToken.run(row);
  for (const row of plan.certificateRows) insertCertificate.run(row);
  return plan.results;
});

parentPort?.on('message', (request: CommitRequest | 'close') => {
  if (request === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  let reply: CommitReply;
  try {
    // BEGIN IMMEDIATE: take the write lock first, so the chain head read is the one we extend.
    reply = { id: request.id, results: commit.immediate(request.units) };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) };
  }
  parentPort?.postMessage(reply);
});
