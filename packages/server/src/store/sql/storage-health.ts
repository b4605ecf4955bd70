import { sql } from 'kysely';
import { StorageUnavailableError } from '../ports/storage-unavailable-error.js';
import type { SqlContext } from './sql-context.js';
import { classifyStorageError } from './storage-failure.js';

/** The `settings` row the readiness probe rewrites; nothing reads it. */
export const READINESS_PROBE_SETTING = 'readiness_probe';

/**
 * What `/readyz` knows of the store (`Store.ping`): whether the database answers, and whether it
 * takes writes. Reads can succeed while writes fail (a full disk), so a read alone would report
 * ready while every token request fails.
 *
 * Every store call that fails with `StorageUnavailableError` marks writes as failing; a group
 * commit that succeeds clears the mark. While the mark is set, the probe writes too (it rewrites
 * one row, {@link READINESS_PROBE_SETTING}) and clears the mark when the write succeeds, so a
 * node that a load balancer stopped sending traffic to still sees that storage is back. While
 * writes work, the probe only reads: `/readyz` is public, and must not cost a durable write each
 * time it is called. Concurrent probes share one round trip.
 */
export class StorageHealth {
  #failures = 0;
  #writesFailing = false;
  #probing: Promise<void> | undefined;
  #writes = 0;

  constructor(private readonly ctx: SqlContext) {}

  /** Store calls that failed because storage was unavailable, since the store opened. */
  get failures(): number {
    return this.#failures;
  }

  /** A store call failed because storage is unavailable. */
  failed(): void {
    this.#failures += 1;
    this.#writesFailing = true;
  }

  /** A write committed (the group commit's batch). */
  wrote(): void {
    this.#writesFailing = false;
  }

  /**
   * Resolves when the database answers and, if a write failed since the last one that succeeded,
   * takes a write again; rejects with `StorageUnavailableError` otherwise, and also when another
   * store call failed that way while the probe ran.
   */
  probe(): Promise<void> {
    this.#probing ??= this.#run().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  async #run(): Promise<void> {
    const before = this.#failures;
    try {
      await sql`select 1`.execute(this.ctx.db);
      if (this.#writesFailing) await this.#write();
    } catch (error) {
      throw classifyStorageError(error);
    }
    if (this.#failures !== before) throw new StorageUnavailableError('recent_failure', 'a store call failed while the readiness probe ran');
    this.#writesFailing = false;
  }

  #write(): Promise<unknown> {
    this.#writes += 1;
    const value = String(this.#writes);
    return this.ctx.write((db) =>
      db
        .insertInto('settings')
        .values({ name: READINESS_PROBE_SETTING, value })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
        .execute(),
    );
  }
}
