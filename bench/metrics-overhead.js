// The cost of Prometheus metrics on issuance: POST /token on agentauth with metrics on (the
// default: every token counted by grant and binding, the request timed by route, the group
// commit's batch observed, the policy decision counted) against the same server with
// AGENTAUTH_METRICS=off (nothing counted, no /metrics). `npm run bench` runs it after the mutual-TLS
// scenario (see run.js); `node bench/metrics-overhead.js` runs it alone. Progress to stderr, the
// table to stdout, the figures to bench/results/metrics-overhead.json.
//
// Two agentauth processes from the built command line (SQLite, durable audit, in-memory replay
// cache: the defaults), both pinned to core 0 and loaded one at a time, the load generator on
// core 1; measured interleaved (A B A B A B) at peak with autocannon, the median of the runs shown.
// Nothing scrapes /metrics during the runs: a scrape's cost is Prometheus's interval, not a token's.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClientKey } from './assertions.js';
import { machineBusyShare } from './machine-load.js';
import { measureInterleaved, measurePeak } from './measure.js';
import { startAgentauth } from './peers/agentauth.js';
import { pinSelf, runAsScript } from './processes.js';
import { writeJson } from './report.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'metrics-overhead.json');
const SCOPE = 'orders:read';
const RESOURCE = 'https://api.example.com';
/** What metrics may cost: at most 5% of the issuance rate. */
const MAX_SLOWDOWN = 0.05;
const KINDS = ['metrics on', 'metrics off'];

/** `/metrics` exists (refusing an anonymous scrape) exactly where metrics are on. */
async function check(peers) {
  const on = await globalThis.fetch(`${peers.get('metrics on').base}/metrics`);
  const off = await globalThis.fetch(`${peers.get('metrics off').base}/metrics`);
  if (on.status !== 401 || off.status !== 404) throw new Error(`/metrics answered ${on.status} with metrics on (expected 401) and ${off.status} with metrics off (expected 404)`);
  return 'metrics check: /metrics refuses an anonymous scrape (401) with metrics on, and does not exist (404) with metrics off';
}

/**
 * Measures issuance on two fresh agentauth processes, metrics on and off (1 process each, pinned
 * to `serverCpus`), and returns the rows and the ratio of their rates. `progress` receives one
 * line per step.
 */
export async function runMetricsScenario(settings, progress, serverCpus = '0') {
  const key = generateClientKey();
  const request = { key, scope: SCOPE, resource: RESOURCE };
  const peers = new Map();
  try {
    peers.set('metrics on', await startAgentauth({ publicJwk: key.publicJwk, scope: SCOPE, resource: RESOURCE, workers: 1, cpus: serverCpus }));
    peers.set('metrics off', await startAgentauth({ publicJwk: key.publicJwk, scope: SCOPE, resource: RESOURCE, workers: 1, cpus: serverCpus, env: { AGENTAUTH_METRICS: 'off' } }));
    progress(await check(peers));
    const rows = await measureInterleaved(
      KINDS,
      (kind, durationSeconds, rateHint) => measurePeak(peers.get(kind), { request, connections: settings.connections, durationSeconds, rateHint }),
      settings,
      progress,
    );
    const [on, off] = rows;
    const ratio = on.tokensPerSecond / off.tokensPerSecond;
    return {
      title: 'POST /token: issuance with Prometheus metrics on vs off (AGENTAUTH_METRICS=off), same build, same machine',
      rows,
      ratio,
      p99Ratio: on.p99 / off.p99,
      slowdown: 1 - ratio,
      target: `at most ${MAX_SLOWDOWN * 100}% slower`,
      met: 1 - ratio <= MAX_SLOWDOWN,
    };
  } finally {
    for (const peer of peers.values()) await peer.stop();
  }
}

/** The table printed on stdout. */
export function renderMetrics(result) {
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(30) : String(c).padStart(12))).join('');
  const out = ['', result.title, line(['server', 'tokens/s', 'p50 ms', 'p99 ms', 'failed'])];
  for (const row of result.rows) out.push(line([row.kind, row.tokensPerSecond.toFixed(0), row.p50.toFixed(1), row.p99.toFixed(1), row.failures]));
  out.push(`metrics on / off: ${result.ratio.toFixed(2)}x the rate (${(result.slowdown * 100).toFixed(1)}% slower), ${result.p99Ratio.toFixed(2)}x the p99; target ${result.target}: ${result.met ? 'met' : 'NOT met'}`);
  return out.join('\n');
}

async function main() {
  const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
  const settings = { durationSeconds: env('BENCH_DURATION', 10), repeats: env('BENCH_REPEATS', 3), connections: env('BENCH_CONNECTIONS', 32), warmupSeconds: env('BENCH_WARMUP', 3) };
  const pinned = pinSelf('1');
  const progress = (message) => process.stderr.write(`[bench metrics] ${message}\n`);
  if (!pinned) progress('taskset not found: running UNPINNED');
  const busyBefore = await machineBusyShare(2000);
  const result = await runMetricsScenario(settings, progress);
  const busyAfter = await machineBusyShare(1000);
  writeJson(RESULTS_FILE, { ...result, date: new Date().toISOString(), pinned, settings, machine: { busyBefore, busyAfter } });
  process.stdout.write(renderMetrics(result) + '\n');
  for (const [when, share] of [['before', busyBefore], ['after', busyAfter]]) {
    if (share !== undefined && share > 0.1) process.stdout.write(`the machine was ${(share * 100).toFixed(0)}% busy with other work ${when} the run: figures are disturbed, run again when it is idle\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAsScript(main);
}
