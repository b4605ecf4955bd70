// Open-loop load at a fixed rate. autocannon's own rate limit (`overallRate`) sends each second's
// quota back to back and then idles, so the server would still see bursts at full speed; here
// request i is due at start + i/rate, whether or not earlier ones have answered, and its latency is
// measured from when it was due (so a stalled server or client cannot hide queueing: no
// coordinated omission).
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { percentile } from './percentile.js';

/** Upper bound on sockets; a request beyond it waits in the agent's queue, and that wait counts. */
const MAX_SOCKETS = 256;
/** How long to wait for stragglers after the last request was due. */
const DRAIN_MS = 10_000;

/**
 * Sends `rate × durationSeconds` POSTs to `tokenUrl` at a steady `rate` per second, each with its
 * own body from `bodies`, and reports latency percentiles, achieved rate and every non-2xx/error.
 */
export async function runPaced({ tokenUrl, bodies, rate, durationSeconds }) {
  const total = Math.floor(rate * durationSeconds);
  if (!(rate > 0) || bodies.length < total) throw new TypeError(`runPaced: needs ${total} bodies at rate ${rate}, got ${bodies.length}`);
  const url = new URL(tokenUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const latencies = [];
  const statusCodes = {};
  let errors = 0;
  let finished = 0;
  let sent = 0;
  // The generator's own stalls would be charged to the server; they are measured and reported.
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const start = performance.now() + 20;

  await new Promise((resolve) => {
    // Stragglers past the drain window count as timeouts.
    const drain = setTimeout(resolve, durationSeconds * 1000 + DRAIN_MS);
    const settle = () => {
      finished++;
      if (finished === total) {
        clearTimeout(drain);
        resolve();
      }
    };
    const fire = (i) => {
      const due = start + (i * 1000) / rate;
      const body = bodies[i];
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            latencies.push(performance.now() - due);
            statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
            settle();
          });
        },
      );
      req.once('error', () => {
        errors++;
        settle();
      });
      req.end(body);
    };
    const tick = () => {
      const dueCount = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < dueCount) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
  agent.destroy();
  lag.disable();

  const ok = Object.entries(statusCodes).reduce((sum, [code, count]) => (code.startsWith('2') ? sum + count : sum), 0);
  const answered = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  const sorted = Float64Array.from(latencies).sort();
  return {
    targetRate: rate,
    achievedRate: ok / durationSeconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    ok,
    non2xx: answered - ok,
    errors,
    timeouts: total - answered - errors,
    statusCodes,
    generatorMaxStallMs: lag.max / 1e6,
  };
}
