import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/sql/open-store.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import type { SqlContext } from '../../src/store/sql/sql-context.js';
import { PRUNE_CHUNK, sqlTokenStore } from '../../src/store/sql/token-queries.js';
import { T0, hashRecord, issued } from './fixtures.js';

// Pruning pauses with `node:timers/promises`, whose named import fake timers do not reach: routed
// through the global timers, its pauses run on the fake clock below. Nothing else changes.
vi.mock('node:timers/promises', async (importOriginal) => {
  const actual = await importOriginal<Record<string, unknown>>();
  return { ...actual, setTimeout: <T>(ms: number, value?: T) => new Promise<T | undefined>((resolve) => globalThis.setTimeout(() => resolve(value), ms)) };
});

/** How long each pruning transaction takes, on the fake clock. */
const CHUNK_MS = 10;

const root = mkdtempSync(join(tmpdir(), 'agentauth-prune-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

it('prunes in transactions of at most PRUNE_CHUNK rows, resting four times as long as each took (the event loop is free four fifths of a pass)', async () => {
  // SQLite runs on the event loop: back to back, a pass over a minute of tokens kept it busy for a
  // second, and a server under load answered nothing meanwhile (token-queries.ts, inChunks).
  const store = await openStore({ databaseUrl: undefined, dataDir: join(root, 'paced') });
  try {
    const units = Array.from({ length: 8 * PRUNE_CHUNK }, (_, i) => ({
      claims: [{ key: `paced-${i}`, expiresAt: T0 + 1 }],
      audit: [],
      issuedTokens: [issued('agt_p', `paced-${i}`, T0 + 1)],
      onReplay: [],
    }));
    await store.commitUnits(units, hashRecord);

    // Pruning through a token store of its own over the same file, whose transactions are timed.
    const opened = openDatabase({ databaseUrl: undefined, dataDir: join(root, 'paced') });
    const context = opened.ctx;
    const tokens = sqlTokenStore(context);
    // Time is the fake clock's: each transaction takes CHUNK_MS of it, and nothing else moves it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const write = context.write.bind(context);
    const chunks: { start: number; end: number; rows: number }[] = [];
    vi.spyOn(context, 'write').mockImplementation((async (work: Parameters<SqlContext['write']>[0]) => {
      const start = performance.now();
      const rows = await write(work);
      vi.advanceTimersByTime(CHUNK_MS);
      chunks.push({ start, end: performance.now(), rows: rows as number });
      return rows;
    }) as SqlContext['write']);

    let done = false;
    const pruning = tokens.pruneExpired(T0 + 2).finally(() => (done = true));
    while (!done) await vi.advanceTimersByTimeAsync(1);
    expect(await pruning).toBe(2 * units.length);
    vi.useRealTimers();
    await opened.close();

    // Issued tokens and replay claims, eight full chunks each; never more rows in one transaction.
    expect(chunks.filter((c) => c.rows === PRUNE_CHUNK)).toHaveLength(16);
    expect(chunks.every((c) => c.rows <= PRUNE_CHUNK)).toBe(true);
    // After each full chunk, the pass does nothing (it waits on a timer) for four times as long.
    const rests = chunks.flatMap((c, i) => (c.rows === PRUNE_CHUNK ? [(chunks[i + 1] as { start: number }).start - c.end] : []));
    expect(rests).toEqual(rests.map(() => 4 * CHUNK_MS));
  } finally {
    vi.useRealTimers();
    await store.close();
  }
});
