// POST /token spread over 1, 2 and 3 agentauth nodes sharing one PostgreSQL, side by side in one
// run. `npm run bench` runs it after the other scenarios; `node bench/nodes.js` runs it alone.
// Progress to stderr, the table to stdout, the figures to bench/results/nodes.json.
//
// Three nodes are started once, on one fresh bench database, with the same issuer and master key
// (docs/operations.md, "One node, several workers, several nodes"); the benchmark agent is
// registered through the first. "N nodes" sends the load to the first N (autocannon spreads its
// connections evenly over their URLs); the others idle. Measured interleaved (1 2 3 1 2 3 ...).
// Nothing is pinned: the nodes, PostgreSQL and the load generator share every core, which is what
// the printed per-core figure and its sentence are about.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClientKey, tokenRequestBodies } from './assertions.js';
import { createBenchDatabase, dropBenchDatabases } from './bench-postgres.js';
import { collectGarbage } from './collect-garbage.js';
import { runPeak } from './load.js';
import { machineBusyShare } from './machine-load.js';
import { MAX_POOL_ATTEMPTS, measureInterleaved } from './measure.js';
import { spawnAgentauth } from './peers/agentauth.js';
import { CORES, pinSelf, runAsScript } from './processes.js';
import { writeJson } from './report.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'nodes.json');
/** Share of the machine busy with other work above which the figures are flagged (as bench/run.js does). */
const BUSY_WARNING = 0.1;
const SCOPE = 'orders:read';
const RESOURCE = 'https://api.example.com';
const MAX_NODES = 3;
const KINDS = ['1 node', '2 nodes', '3 nodes'];

/** Starts `MAX_NODES` nodes on `databaseUrl`: one issuer, one master key; the agent registered on the first. */
async function startNodes(databaseUrl, key) {
  const masterKey = randomBytes(32).toString('base64');
  const env = { AGENTAUTH_DATABASE_URL: databaseUrl, AGENTAUTH_MASTER_KEY: masterKey };
  const first = await spawnAgentauth({ cpus: undefined, env });
  const issuer = first.metadata.issuer;
  const nodes = [first];
  for (let i = 1; i < MAX_NODES; i++) nodes.push(await spawnAgentauth({ cpus: undefined, env: { ...env, AGENTAUTH_ISSUER: issuer } }));
  const agent = await first.register({ name: 'bench', scopes: [SCOPE], resources: [RESOURCE], jwks: { keys: [key.publicJwk] } });
  return { nodes, issuer, clientId: agent.id, tokenUrls: nodes.map((node) => `${node.base}/token`) };
}

/** One token from every node, so a node that cannot issue fails the bench before it measures. */
async function check(cluster, key) {
  const bodies = tokenRequestBodies(cluster.tokenUrls.length, { key, clientId: cluster.clientId, audience: cluster.issuer, scope: SCOPE, resource: RESOURCE });
  for (const [i, url] of cluster.tokenUrls.entries()) {
    const response = await globalThis.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bodies[i] });
    if (response.status !== 200) throw new Error(`node ${i + 1} (${url}) answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  return `node check: each of the ${cluster.tokenUrls.length} nodes issued a token for issuer ${cluster.issuer}`;
}

async function measure(kind, cluster, key, connections, durationSeconds, rateHint) {
  const urls = cluster.tokenUrls.slice(0, KINDS.indexOf(kind) + 1);
  for (let count = Math.ceil(durationSeconds * Math.max(2000, 2 * rateHint)) + connections, attempt = 0; ; count *= 4, attempt++) {
    const bodies = tokenRequestBodies(count, { key, clientId: cluster.clientId, audience: cluster.issuer, scope: SCOPE, resource: RESOURCE });
    collectGarbage();
    const run = await runPeak({ tokenUrl: urls, bodies, connections, durationSeconds });
    if (!run.exhausted) return run;
    if (attempt === MAX_POOL_ATTEMPTS - 1) throw new Error(`${kind}: ran out of ${count} pre-signed requests ${MAX_POOL_ATTEMPTS} times; not reporting a truncated run`);
  }
}

/** Measures 1, 2 and 3 nodes on one fresh PostgreSQL bench database, dropped afterwards. */
export async function runNodesScenario(settings, progress) {
  // A multiple of 6, so every node of 1, 2 or 3 gets the same share of the connections.
  const connections = Math.max(6, settings.connections - (settings.connections % 6));
  // Other work on the machine (another build, tests) changes every figure: measured first, reported.
  const busyBefore = await machineBusyShare(2000);
  const key = generateClientKey();
  const database = await createBenchDatabase();
  let cluster;
  try {
    cluster = await startNodes(database.url, key);
    progress(await check(cluster, key));
    const rows = await measureInterleaved(KINDS, (kind, seconds, hint) => measure(kind, cluster, key, connections, seconds, hint), settings, progress);
    const [one] = rows;
    for (const row of rows) {
      row.perCore = row.tokensPerSecond / CORES;
      row.ofOneNode = row.tokensPerSecond / one.tokensPerSecond;
      row.p99OfOneNode = row.p99 / one.p99;
    }
    return { busyBefore, title: `POST /token spread over 1, 2 and 3 nodes on one PostgreSQL (${CORES} cores shared by the nodes, PostgreSQL and the load generator)`, connections, cores: CORES, rows };
  } finally {
    for (const node of cluster?.nodes ?? []) await node.handle.stop();
    await database.drop();
  }
}

/** The table printed on stdout. */
export function renderNodes(result) {
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(12) : String(c).padStart(12))).join('');
  const out = ['', result.title, line(['nodes', 'tokens/s', 'per core', 'x 1 node', 'p50 ms', 'p99 ms', 'p99 x 1', 'failed'])];
  for (const row of result.rows) {
    out.push(line([row.kind, row.tokensPerSecond.toFixed(0), row.perCore.toFixed(0), row.ofOneNode.toFixed(2), row.p50.toFixed(1), row.p99.toFixed(1), row.p99OfOneNode.toFixed(2), row.failures]));
  }
  out.push(
    `per core = tokens/s / ${result.cores}. On this ${result.cores}-core machine every node, PostgreSQL and the load generator (autocannon, ${result.connections} connections ` +
      'spread evenly over the nodes) run on the same cores, so a second or third node adds processes, not CPU: the figures show what spreading the load over nodes ' +
      'costs or gains on fixed hardware, not how throughput grows when each node has cores of its own (there, expect roughly the 1-node figure per node until PostgreSQL saturates).',
  );
  if (result.busyBefore !== undefined && result.busyBefore > BUSY_WARNING) {
    out.push(`the machine was ${(result.busyBefore * 100).toFixed(0)}% busy with other work before this bench: figures are disturbed, run again when it is idle`);
  }
  return out.join('\n');
}

async function main() {
  const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
  const settings = { durationSeconds: env('BENCH_DURATION', 10), repeats: env('BENCH_REPEATS', 3), connections: env('BENCH_CONNECTIONS', 32), warmupSeconds: env('BENCH_WARMUP', 3) };
  // Unpinned: `npm run bench` pins itself to one core, and this child would inherit it.
  pinSelf(`0-${CORES - 1}`);
  const progress = (message) => process.stderr.write(`[bench nodes] ${message}\n`);
  try {
    const result = await runNodesScenario(settings, progress);
    writeJson(RESULTS_FILE, { ...result, date: new Date().toISOString(), settings });
    process.stdout.write(renderNodes(result) + '\n');
  } finally {
    await dropBenchDatabases();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAsScript(main);
}
