// One measurement of one peer: bodies signed fresh just before the run (so none is near expiry),
// sized so the run cannot run out, and every failed answer counted.
import { tokenRequestBodies } from './assertions.js';
import { collectGarbage } from './collect-garbage.js';
import { runPeak } from './load.js';
import { runPaced } from './paced-load.js';

/** Lower bound of the assumed peak rate when sizing the first pool, tokens/s. */
const MIN_RATE_BOUND = 2000;
/** Runs that ran out of bodies before one is given up: each retry has four times as many. */
export const MAX_POOL_ATTEMPTS = 3;
/** Longest pause of the load generator's event loop tolerated in a fixed-rate run. */
const MAX_GENERATOR_STALL_MS = 50;

/** Context for signing a peer's assertions. */
function bodiesFor(peer, count, request) {
  const bodies = tokenRequestBodies(count, { ...request, clientId: peer.clientId, audience: peer.issuer });
  collectGarbage();
  return bodies;
}

/**
 * A closed-loop run at peak. The pool holds `durationSeconds × 2 × rateHint` bodies (at least
 * MIN_RATE_BOUND/s); if it still runs out, the run is repeated with four times as many, up to
 * MAX_POOL_ATTEMPTS runs in all (a warm-up has no hint: the bare endpoint does over 8,000/s on a
 * fast core, past what two attempts from 2,000/s allow).
 */
export async function measurePeak(peer, { request, connections, durationSeconds, rateHint = 0 }) {
  let count = Math.ceil(durationSeconds * Math.max(MIN_RATE_BOUND, 2 * rateHint)) + connections;
  for (let attempt = 0; ; attempt++) {
    const result = await runPeak({ tokenUrl: peer.tokenUrl, bodies: bodiesFor(peer, count, request), connections, durationSeconds });
    if (!result.exhausted) return result;
    // Running out fast usually means fast failures (errors answer quicker than tokens): say so.
    const failed = failures(result) > 0 ? ` (${failures(result)} failed: ${JSON.stringify(result.statusCodes)}, ${result.errors} errors, ${result.timeouts} timeouts)` : '';
    if (attempt === MAX_POOL_ATTEMPTS - 1) throw new Error(`${peer.name}: ran out of ${count} pre-signed assertions ${MAX_POOL_ATTEMPTS} times${failed}; not reporting a truncated run`);
    count *= 4;
  }
}

/**
 * An open-loop run at a fixed `rate`, with exactly one body per request. A run in which the load
 * generator itself stalled for more than MAX_GENERATOR_STALL_MS is measuring the generator (or a
 * paused machine), not the server: it is repeated, at most twice, and the discarded runs are
 * returned alongside.
 */
export async function measureAtRate(peer, { request, rate, durationSeconds }) {
  const count = Math.floor(rate * durationSeconds);
  const discarded = [];
  for (;;) {
    const result = await runPaced({ tokenUrl: peer.tokenUrl, bodies: bodiesFor(peer, count, request), rate, durationSeconds });
    if (result.generatorMaxStallMs <= MAX_GENERATOR_STALL_MS || discarded.length === 2) return { ...result, discarded };
    discarded.push(result);
  }
}

/** Median of numbers (the middle one of three runs). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Failed answers of a run: non-2xx, socket errors and timeouts. */
export function failures(run) {
  return run.non2xx + run.errors + run.timeouts;
}

/**
 * Measures each kind once to warm up (its rate is the next runs' pool hint), then `repeats` times
 * interleaved (A B C A B C ...), so that drift of a shared machine falls on every kind alike.
 * `measureOnce(kind, durationSeconds, rateHint)` returns an autocannon-shaped run. Returns one row
 * a kind with the medians (`tokensPerSecond`, `p50`, `p99`), the failures summed and the runs.
 */
export async function measureInterleaved(kinds, measureOnce, settings, progress) {
  const hints = new Map();
  for (const kind of kinds) {
    const run = await measureOnce(kind, settings.warmupSeconds, 0);
    hints.set(kind, run.tokensPerSecond);
    progress(`warm-up ${kind}: ${run.tokensPerSecond.toFixed(0)}/s`);
  }
  const runs = new Map(kinds.map((kind) => [kind, []]));
  for (let i = 1; i <= settings.repeats; i++) {
    for (const kind of kinds) {
      const run = await measureOnce(kind, settings.durationSeconds, hints.get(kind));
      runs.get(kind).push(run);
      progress(`${i}/${settings.repeats} ${kind}: ${run.tokensPerSecond.toFixed(0)}/s, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, failed ${failures(run)}`);
    }
  }
  return kinds.map((kind) => {
    const list = runs.get(kind);
    return { kind, tokensPerSecond: median(list.map((r) => r.tokensPerSecond)), p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)), failures: list.reduce((s, r) => s + failures(r), 0), runs: list };
  });
}
