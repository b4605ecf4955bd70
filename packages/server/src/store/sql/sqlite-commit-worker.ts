/**
 * The SQLite group commit, run on its own thread (see `SqliteCommitThread`). better-sqlite3 is
 * synchronous: on the main thread every batch's `COMMIT` — an fsync under `synchronous=FULL` —
 * would stop the event loop, and POST /token with it. Here the fsync blocks only this thread.
 *
 * Same semantics as `commitUnits` (the claims, `planCommit`, the chain head), on prepared
 * statements over this thread's own connection. The chain is hashed with `hashAuditRecord`, the
 * audit log's one hash function: the callback `commitUnits` takes cannot cross a thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { hashAuditRecord } from '../../audit/hash-chain.js';
import type { CommitResult, CommitUnit } from '../ports/commit-store.js';
import { batchClaims, lostClaims, planCommit } from './commit-units.js';

/** A request from the main thread. */
export interface CommitRequest {
  id: number;
  units: CommitUnit[];
}

/** The answer: the results, or the error's message (the batch was rolled back). */
export type CommitReply = { id: number; results: CommitResult[] } | { id: number; error: string };

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };
const db = new BetterSqlite3(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma(`busy_timeout = ${busyTimeoutMs}`);

const insertClaim = db.prepare('INSERT INTO replay_claims (expires_at, key) VALUES (?, ?) ON CONFLICT (expires_at, key) DO NOTHING');
const readHead = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_chain_head WHERE id = 1');
const insertAudit = db.prepare(
  'INSERT INTO audit_log (seq, time, event, outcome, agent_id, actor, source_ip, reason, request_id, details, prev_hash, hash) ' +
    'VALUES (@seq, @time, @event, @outcome, @agent_id, @actor, @source_ip, @reason, @request_id, @details, @prev_hash, @hash)',
);
const updateHead = db.prepare('UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1');
const insertToken = db.prepare(
  'INSERT INTO issued_tokens (jti, agent_id, client_id, issued_at, expires_at, parent_jti, token_digest) ' +
    'VALUES (@jti, @agent_id, @client_id, @issued_at, @expires_at, @parent_jti, @token_digest)',
);

const commit = db.transaction((units: CommitUnit[]): CommitResult[] => {
  const { rows, firstClaimant } = batchClaims(units);
  const inserted = new Set<string>();
  for (const row of rows) if (insertClaim.run(row.expires_at, row.key).changes === 1) inserted.add(row.key);
  const head = readHead.get();
  if (head === undefined) throw new Error('audit_chain_head row is missing');
  const plan = planCommit(units, lostClaims(units, inserted, firstClaimant), { seq: Number(head.seq), hash: head.hash }, hashAuditRecord);
  for (const row of plan.auditRows) insertAudit.run(row);
  if (plan.auditRows.length > 0) updateHead.run(plan.seq, plan.prevHash);
  for (const row of plan.tokenRows) insertToken.run(row);
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
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
