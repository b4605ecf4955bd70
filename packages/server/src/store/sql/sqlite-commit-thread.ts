import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CommitResult } from '../ports/commit-store.js';
import type { PreparedUnit } from './commit-units.js';
import type { CommitStatements } from './commit-statements.js';
import type { CommitReply, CommitRequest, CommitWorkerData } from './sqlite-commit-worker.js';

/**
 * The compiled worker. Under the test runner this module is TypeScript in `src/`, and a worker
 * thread cannot load TypeScript: it runs the build's copy (vitest's global setup builds first).
 */
function workerUrl(): URL {
  const here = new URL('./sqlite-commit-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../../dist/store/sql/sqlite-commit-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(built))) throw new Error('the SQLite commit worker is not built: run `npm run build`');
  return built;
}

/**
 * The main thread's side of the SQLite group commit worker (`sqlite-commit-worker.ts`): sends a
 * batch, resolves with its results once the batch is durable. If the thread dies, every pending
 * batch fails (fail closed: its requests are refused) and the next batch starts a new thread.
 */
export class SqliteCommitThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (results: CommitResult[]) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
    private readonly statements: CommitStatements,
  ) {}

  commit(units: PreparedUnit[]): Promise<CommitResult[]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, units } satisfies CommitRequest);
    });
  }

  /** Waits for pending batches, then closes the thread's connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    while (this.pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('close');
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(workerUrl(), { workerData: { file: this.file, busyTimeoutMs: this.busyTimeoutMs, statements: this.statements } satisfies CommitWorkerData });
    worker.on('message', (reply: CommitReply) => {
      const waiter = this.pending.get(reply.id);
      if (waiter === undefined) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiter.reject(Object.assign(new Error(`group commit failed: ${reply.error}`), reply.code === undefined ? {} : { code: reply.code }));
      else waiter.resolve(reply.results);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, waiter] of this.pending) {
        this.pending.delete(id);
        waiter.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`group commit thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
