import type { Kysely } from 'kysely';
import type { AuditInput, IssuedTokenRecord } from '../records.js';
import type { IssuedCertificateRecord } from '../ports/ca-store.js';
import type { CommitResult, CommitStore, CommitUnit, HashRecord } from '../ports/commit-store.js';
import type { ReplayClaim } from '../ports/replay-claim-store.js';
import type { CaCertificatesTable } from './ca-tables.js';
import type { AuditLogTable, Database, IssuedTokensTable, ReplayClaimsTable } from './database.js';
import { fromJson, toJson } from './json.js';
import { auditToRow, certificateToRow, issuedTokenToRow, replayClaimRows, type UnhashedAudit } from './rows.js';
import { hashAuditRecord } from '../../audit/hash-chain.js';
import { assertAuditInput } from '../../audit/validate-audit-input.js';
import type { SqlContext } from './sql-context.js';

/**
 * The distinct claim keys of a batch, sorted as the table's primary key `(expires_at, key)` orders
 * them, each with the index of the first unit claiming it. A key claimed twice in a batch is one row
 * (the first unit's expiry): the second claimant loses, whatever expiry it named.
 */
export function batchClaims(units: readonly Pick<CommitUnit, 'claims'>[]): { rows: ReplayClaimsTable[]; firstClaimant: Map<string, number> } {
  const firstClaimant = new Map<string, number>();
  const distinct: ReplayClaim[] = [];
  units.forEach((unit, index) => {
    for (const claim of unit.claims) {
      if (firstClaimant.has(claim.key)) continue;
      firstClaimant.set(claim.key, index);
      distinct.push(claim);
    }
  });
  return { rows: replayClaimRows(distinct), firstClaimant };
}

/** Per unit, the keys it lost; a unit wins when it lost none. */
export function lostClaims(units: readonly Pick<CommitUnit, 'claims'>[], inserted: ReadonlySet<string>, firstClaimant: ReadonlyMap<string, number>): string[][] {
  return units.map((unit, index) => unit.claims.filter((c) => !(inserted.has(c.key) && firstClaimant.get(c.key) === index)).map((c) => c.key));
}

/**
 * Step (a): one conditional insert for every distinct claim of the batch (`ON CONFLICT DO NOTHING
 * RETURNING key`; ARCHITECTURE.md, Security rules). The single-use record is the pair `(expires_at,
 * key)` (migration 0011; `ReplayClaim` says why that refuses every replay). A unit wins only if
 * every claim it makes was inserted and it was the first unit of the batch to make it. A presented
 * claim is consumed even when its unit loses on another: the same proof must not succeed later
 * either. Claims are inserted in primary-key order so that concurrent PostgreSQL committers lock
 * them in the same order and cannot deadlock.
 */
async function claimKeys(ctx: SqlContext, db: Kysely<Database>, units: readonly Pick<CommitUnit, 'claims'>[]): Promise<string[][]> {
  const { rows, firstClaimant } = batchClaims(units);
  const inserted = new Set<string>();
  for (const chunk of ctx.chunks(rows, 2)) {
    const won = await db
      .insertInto('replay_claims')
      .values(chunk)
      .onConflict((oc) => oc.columns(['expires_at', 'key']).doNothing())
      .returning('key')
      .execute();
    for (const row of won) inserted.add(row.key);
  }
  return lostClaims(units, inserted, firstClaimant);
}

/** An audit record as the store writes it: nullables normalised, `details` already JSON text. */
export type PreparedAudit = Omit<UnhashedAudit, 'seq' | 'details'> & { details: string };

/**
 * A unit as the store writes it (`prepareUnits`). Each audit record's `details` is JSON text, so a
 * batch crosses to the SQLite commit thread as strings, not as objects cloned key by key.
 */
export interface PreparedUnit {
  claims: ReplayClaim[];
  audit: PreparedAudit[];
  issuedTokens: IssuedTokenRecord[];
  certificates: IssuedCertificateRecord[];
  onReplay: PreparedAudit[];
}

/** Normalises an input to exactly what will be read back, so the hash verifies after a round trip. */
function prepareAudit(input: AuditInput): PreparedAudit {
  return {
    time: input.time,
    event: input.event,
    outcome: input.outcome,
    agentId: input.agentId ?? null,
    actor: input.actor ?? null,
    sourceIp: input.sourceIp ?? null,
    reason: input.reason ?? null,
    requestId: input.requestId ?? null,
    details: toJson(input.details ?? {}),
  };
}

/** The units of a batch as the store writes them (see `PreparedUnit`). */
export function prepareUnits(units: readonly CommitUnit[]): PreparedUnit[] {
  return units.map((unit) => ({
    claims: unit.claims,
    audit: unit.audit.map(prepareAudit),
    issuedTokens: unit.issuedTokens,
    certificates: unit.certificates ?? [],
    onReplay: unit.onReplay.map(prepareAudit),
  }));
}

/** What a batch writes once its claims are decided and the chain head is read. */
export interface CommitPlan {
  auditRows: AuditLogTable[];
  tokenRows: IssuedTokensTable[];
  certificateRows: CaCertificatesTable[];
  results: CommitResult[];
  /** The new chain head. */
  seq: number;
  prevHash: string;
}

/**
 * Step (b) and (c) without I/O: consecutive seqs in unit order, each record hashed onto its
 * predecessor (the winners' `audit`, the losers' `onReplay`), and the winners' issued tokens and
 * certificates.
 * Shared by the in-process path and the SQLite commit worker, so both write the same chain.
 */
export function planCommit(units: readonly PreparedUnit[], lostKeys: readonly string[][], head: { seq: number; hash: string }, hashRecord: HashRecord): CommitPlan {
  let seq = head.seq;
  let prevHash = head.hash;
  const auditRows: AuditLogTable[] = [];
  const tokenRows: IssuedTokensTable[] = [];
  const certificateRows: CaCertificatesTable[] = [];
  const results: CommitResult[] = units.map((unit, index) => {
    const lost = lostKeys[index] ?? [];
    const ok = lost.length === 0;
    const firstSeq = seq + 1;
    for (const input of ok ? unit.audit : unit.onReplay) {
      seq += 1;
      // Hashed as it will be read back: the details parsed from the very text stored.
      const record: UnhashedAudit = { ...input, details: fromJson<Record<string, unknown>>(input.details), seq };
      const hash = hashRecord(prevHash, record);
      auditRows.push(auditToRow(record, input.details, prevHash, hash));
      prevHash = hash;
    }
    if (!ok) return { ok: false, reason: 'replayed', replayedKeys: lost };
    for (const token of unit.issuedTokens) tokenRows.push(issuedTokenToRow(token));
    for (const certificate of unit.certificates) certificateRows.push(certificateToRow(certificate));
    return { ok: true, firstSeq };
  });
  return { auditRows, tokenRows, certificateRows, results, seq, prevHash };
}

/**
 * The group commit (ARCHITECTURE.md, The request that matters), one transaction per batch:
 * (a) replay claims; (b) the audit chain head read under a lock (`FOR UPDATE` on
 * `audit_chain_head` in PostgreSQL, the write transaction in SQLite), consecutive seqs in unit
 * order, each record hashed onto its predecessor with `hashRecord` (the genesis prevHash is ''),
 * and the head moved; (c) the winners' issued tokens and certificates. All inserts are multi-row.
 *
 * `firstSeq` is the seq of the unit's first audit record; for a unit without records it is the
 * seq the next record takes. If anything fails, nothing of the batch is written and the error is
 * thrown for every unit.
 */
async function commitUnits(ctx: SqlContext, units: readonly PreparedUnit[], hashRecord: HashRecord): Promise<CommitResult[]> {
  if (units.length === 0) return [];
  return ctx.write(async (db) => {
    const lostKeys = await claimKeys(ctx, db, units);
    const { tokenRows, certificateRows, results } = await extendChain(ctx, db, units, lostKeys, hashRecord);
    for (const chunk of ctx.chunks(tokenRows, 7)) await db.insertInto('issued_tokens').values(chunk).execute();
    for (const chunk of ctx.chunks(certificateRows, 7)) await db.insertInto('ca_certificates').values(chunk).execute();
    return results;
  });
}

/** Step (b) inside the transaction `db`: reads the chain head under its lock, writes the batch's audit rows and moves the head. */
async function extendChain(ctx: SqlContext, db: Kysely<Database>, units: readonly PreparedUnit[], lostKeys: readonly string[][], hashRecord: HashRecord): Promise<CommitPlan> {
  const head = await ctx.dialect
    .lockRows(db.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1))
    .executeTakeFirstOrThrow();
  const plan = planCommit(units, lostKeys, { seq: Number(head.seq), hash: head.hash }, hashRecord);
  for (const chunk of ctx.chunks(plan.auditRows, 12)) await db.insertInto('audit_log').values(chunk).execute();
  if (plan.auditRows.length > 0) {
    await db.updateTable('audit_chain_head').set({ seq: plan.seq, hash: plan.prevHash }).where('id', '=', 1).execute();
  }
  return plan;
}

/**
 * Appends `records` to the audit chain inside the write transaction `db` of another store verb, so
 * a state change and its audit records commit together or not at all (ARCHITECTURE.md, Storage,
 * durability and many nodes): a signing key or CA transition is never left without its record, nor
 * a record without its transition, whatever fails or is killed in between. The chain head is locked
 * and extended exactly as a batch of the commit log extends it (`hashAuditRecord`, the one hash the
 * SQLite commit thread also uses), and every record is checked as `CommitLog.commit` checks it.
 */
export async function appendAuditInTransaction(ctx: SqlContext, db: Kysely<Database>, records: readonly AuditInput[]): Promise<void> {
  if (records.length === 0) return;
  for (const record of records) assertAuditInput(record);
  await extendChain(ctx, db, prepareUnits([{ claims: [], audit: [...records], issuedTokens: [], onReplay: [] }]), [[]], hashAuditRecord);
}

/**
 * Where SQLite batches go when they are committed on their own thread (`SqliteCommitThread`);
 * named here, not imported, because that thread's worker imports this file's planning.
 */
export interface CommitThread {
  commit(units: PreparedUnit[]): Promise<CommitResult[]>;
}

/**
 * The group-commit write path (`CommitStore`) over Kysely, for SQLite and PostgreSQL alike; on
 * SQLite with `thread`, the batches go to the commit thread instead (`SqliteCommitThread`), which
 * hashes the chain with `hashAuditRecord` only.
 */
export function sqlCommitStore(ctx: SqlContext, thread?: CommitThread): CommitStore {
  return {
    commitUnits(units: CommitUnit[], hashRecord: HashRecord): Promise<CommitResult[]> {
      if (thread === undefined) return commitUnits(ctx, prepareUnits(units), hashRecord);
      if (hashRecord !== hashAuditRecord) return Promise.reject(new TypeError('the SQLite commit thread hashes the chain with hashAuditRecord only'));
      // Under this process's write gate, like every write of the main thread's connection: otherwise
      // a main-thread write (last-seen times, pruning, a revocation) that found the commit thread
      // holding SQLite's write lock would wait in SQLite's busy handler, which sleeps on the event
      // loop (measured: event-loop stalls of 10 ms and more every few seconds under load). Gated,
      // it waits for the batch in flight without blocking anything, and then finds the lock free.
      // Within this process only: with `--workers N` on SQLite, another process's batch can still
      // make a main-thread write wait in the busy handler (PostgreSQL is the multi-process store).
      const prepared = prepareUnits(units);
      return ctx.exclusive(() => thread.commit(prepared));
    },
  };
}
