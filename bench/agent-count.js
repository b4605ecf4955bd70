// POST /token with 1,000 registered agents against 1,000,000, on PostgreSQL (target: flat within
// 10%). `npm run bench` runs it after the other scenarios; `node bench/agent-count.js` runs it
// alone. Progress to stderr, the table to stdout, the figures to bench/results/agent-count.json.
//
// Two bench databases, one agentauth each (both pinned to core 0, the load generator to core 1,
// PostgreSQL unpinned). The benchmark agent is registered through the admin API; the others are
// copies of its rows (agents, credentials, labels), made by one INSERT ... SELECT over
// generate_series each, so they match the schema exactly whatever migrations added, and carry
// the same public key. Each run's requests come from 1,000 of the agents (all of the small set; one
// in every thousand of the large one), so the agent cache sees the same traffic in both, and what
// differs is the size of the tables every lookup and every foreign key check goes through.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClientKey, tokenRequestBodies } from './assertions.js';
import { createBenchDatabase, dropBenchDatabases } from './bench-postgres.js';
import { collectGarbage } from './collect-garbage.js';
import { runPeak } from './load.js';
import { machineBusyShare } from './machine-load.js';
import { MAX_POOL_ATTEMPTS, measureInterleaved } from './measure.js';
import { spawnAgentauth } from './peers/agentauth.js';
import { pinSelf, runAsScript } from './processes.js';
import { writeJson } from './report.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'agent-count.json');
/** Share of the machine busy with other work above which the figures are flagged (as bench/run.js does). */
const BUSY_WARNING = 0.1;
const SCOPE = 'orders:read';
const RESOURCE = 'https://api.example.com';
const SIZES = [1_000, 1_000_000];
const KINDS = SIZES.map((size) => `${size.toLocaleString('en')} agents`);
/** Agents each run's requests come from. */
const ACTIVE_AGENTS = 1_000;
/** The bound: issuance with 1,000,000 agents within 10% of 1,000. */
const MAX_DIFFERENCE = 0.1;
/**
 * The id the SQL below gives copy `n` (1-based): `agt_` and 22 characters, the shape of a real
 * agent id. Ascending, so the bulk load appends to the primary key's B-tree instead of splitting
 * pages at random (the lookups then cost what they cost in any 1,000,000-row B-tree: its depth).
 */
function copyId(n) {
  return `agt_${String(n).padStart(22, '0')}`;
}

/** `INSERT INTO table SELECT` that copies `sourceId`'s rows of `table` `copies` times, `replace` giving the varied columns. */
async function copyRows(database, table, where, sourceId, copies, replace) {
  const { rows } = await database.query('select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position', [table]);
  const columns = rows.map((row) => row.column_name);
  const select = columns.map((column) => replace[column] ?? `t.${column}`).join(', ');
  const result = await database.query(
    `insert into ${table} (${columns.join(', ')}) select ${select} from ${table} t, generate_series(1, $2::int) g where t.${where} = $1`,
    [sourceId, copies],
  );
  return result.rowCount;
}

/** Copies the registered agent until the database holds `size` agents; resolves to the seconds it took. */
async function bulkLoad(database, agentId, size) {
  const started = process.hrtime.bigint();
  const id = `'agt_' || lpad(g::text, 22, '0')`;
  const copies = size - 1;
  // The copies' foreign keys point at agents the same load creates, so the per-row foreign key
  // triggers are skipped (a superuser's session setting; without it the load is only slower), and
  // the orphan count below checks the references once, as one join.
  await database.query('set session_replication_role = replica').catch(() => {});
  await copyRows(database, 'agents', 'id', agentId, copies, { id, name: `'bench-' || g`, name_folded: `'bench-' || g` });
  await copyRows(database, 'credentials', 'agent_id', agentId, copies, { id: `'cred_' || lpad(g::text, 22, '0')`, agent_id: id });
  await copyRows(database, 'agent_labels', 'agent_id', agentId, copies, { agent_id: id });
  await database.query('reset session_replication_role');
  // Vacuumed as well as analysed: left to autovacuum, a million fresh rows are vacuumed during
  // the measured runs, and whichever kind runs then pays for it.
  await database.query('vacuum analyze');
  const { rows } = await database.query(
    'select (select count(*) from agents)::int as agents, (select count(*) from credentials c where not exists (select 1 from agents a where a.id = c.agent_id))::int as orphans',
  );
  if (rows[0].agents !== size || rows[0].orphans !== 0) throw new Error(`expected ${size} agents and no orphan credentials after the bulk load, found ${JSON.stringify(rows[0])}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The plans of the lookups /token makes by agent: each must use an index, never a table scan. */
async function lookupPlans(database, agentId) {
  const plans = {};
  for (const [name, text] of [
    ['agents by id', 'select * from agents where id = $1'],
    ['credentials by agent', 'select * from credentials where agent_id = $1 order by created_at'],
  ]) {
    const { rows } = await database.query(`explain ${text}`, [agentId]);
    plans[name] = rows.map((row) => row['QUERY PLAN'].trim()).find((line) => /Scan/.test(line)) ?? rows[0]['QUERY PLAN'];
    if (/Seq Scan/.test(plans[name])) throw new Error(`${name} scans the whole table on ${database.name}: ${plans[name]}`);
  }
  return plans;
}

/** One server on a fresh bench database holding `size` agents. */
async function startWithAgents(size, key, serverCpus, progress) {
  const database = await createBenchDatabase();
  const server = await spawnAgentauth({ cpus: serverCpus, env: { AGENTAUTH_DATABASE_URL: database.url } });
  const agent = await server.register({ name: 'bench', scopes: [SCOPE], resources: [RESOURCE], jwks: { keys: [key.publicJwk] } });
  const loadSeconds = await bulkLoad(database, agent.id, size);
  progress(`${size.toLocaleString('en')} agents loaded in ${loadSeconds.toFixed(1)} s`);
  const stride = Math.max(1, Math.floor(size / ACTIVE_AGENTS));
  const clientIds = [agent.id];
  for (let n = stride; clientIds.length < Math.min(ACTIVE_AGENTS, size); n += stride) clientIds.push(copyId(n));
  return { size, database, server, issuer: server.metadata.issuer, tokenUrl: `${server.base}/token`, clientIds, loadSeconds, plans: await lookupPlans(database, agent.id) };
}

/** `count` bodies taking turns over the active agents. */
function bodiesFor(setup, key, count) {
  const each = Math.ceil(count / setup.clientIds.length);
  const perAgent = setup.clientIds.map((clientId) => tokenRequestBodies(each, { key, clientId, audience: setup.issuer, scope: SCOPE, resource: RESOURCE }));
  const bodies = [];
  for (let i = 0; i < each; i++) for (const list of perAgent) bodies.push(list[i]);
  return bodies;
}

/** A token for an agent that only the bulk load created: the copies are real agents. */
async function check(setup, key) {
  const [body] = bodiesFor({ ...setup, clientIds: [setup.clientIds.at(-1)] }, key, 1);
  const response = await globalThis.fetch(setup.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  if (response.status !== 200) throw new Error(`a bulk-loaded agent's token request answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return `check: ${setup.size.toLocaleString('en')} agents, a bulk-loaded agent (${setup.clientIds.at(-1)}) got a token`;
}

async function measure(setup, key, settings, durationSeconds, rateHint) {
  for (let count = Math.ceil(durationSeconds * Math.max(2000, 2 * rateHint)) + settings.connections, attempt = 0; ; count *= 4, attempt++) {
    const bodies = bodiesFor(setup, key, count);
    collectGarbage();
    const run = await runPeak({ tokenUrl: setup.tokenUrl, bodies, connections: settings.connections, durationSeconds });
    if (!run.exhausted) return run;
    if (attempt === MAX_POOL_ATTEMPTS - 1) throw new Error(`${setup.size} agents: ran out of ${count} pre-signed requests ${MAX_POOL_ATTEMPTS} times; not reporting a truncated run`);
  }
}

/** Measures issuance with each agent count, interleaved; the databases are dropped afterwards. */
export async function runAgentCountScenario(settings, progress, serverCpus = '0') {
  // Other work on the machine (another build, tests) changes every figure: measured first, reported.
  const busyBefore = await machineBusyShare(2000);
  const key = generateClientKey();
  const setups = [];
  try {
    for (const size of SIZES) setups.push(await startWithAgents(size, key, serverCpus, progress));
    for (const setup of setups) progress(await check(setup, key));
    const rows = await measureInterleaved(KINDS, (kind, seconds, hint) => measure(setups[KINDS.indexOf(kind)], key, settings, seconds, hint), settings, progress);
    const [small, large] = rows;
    const ratio = large.tokensPerSecond / small.tokensPerSecond;
    const p99Ratio = large.p99 / small.p99;
    return {
      busyBefore,
      title: `POST /token on PostgreSQL: ${KINDS[0]} registered against ${KINDS[1]} (requests from ${ACTIVE_AGENTS.toLocaleString('en')} of them), same machine`,
      rows: rows.map((row, i) => ({ ...row, loadSeconds: setups[i].loadSeconds })),
      plans: setups[1].plans,
      ratio,
      p99Ratio,
      target: `within ${MAX_DIFFERENCE * 100}%`,
      met: Math.abs(1 - ratio) <= MAX_DIFFERENCE,
    };
  } finally {
    for (const setup of setups) {
      await setup.server.handle.stop();
      await setup.database.drop();
    }
  }
}

/** The table printed on stdout. */
export function renderAgentCount(result) {
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(20) : String(c).padStart(12))).join('');
  const out = ['', result.title, line(['registered', 'tokens/s', 'p50 ms', 'p99 ms', 'failed', 'load s'])];
  for (const row of result.rows) out.push(line([row.kind, row.tokensPerSecond.toFixed(0), row.p50.toFixed(1), row.p99.toFixed(1), row.failures, row.loadSeconds.toFixed(1)]));
  for (const [name, plan] of Object.entries(result.plans)) out.push(`lookup of ${name} with 1,000,000 agents: ${plan}`);
  out.push(
    `1,000,000 / 1,000 agents: ${result.ratio.toFixed(2)}x the rate, ${result.p99Ratio.toFixed(2)}x the p99; target ${result.target}: ${result.met ? 'MET' : 'NOT MET'}`,
  );
  if (result.busyBefore !== undefined && result.busyBefore > BUSY_WARNING) {
    out.push(`the machine was ${(result.busyBefore * 100).toFixed(0)}% busy with other work before this bench: figures are disturbed, run again when it is idle`);
  }
  return out.join('\n');
}

async function main() {
  const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
  const settings = { durationSeconds: env('BENCH_DURATION', 10), repeats: env('BENCH_REPEATS', 3), connections: env('BENCH_CONNECTIONS', 32), warmupSeconds: env('BENCH_WARMUP', 3) };
  const pinned = pinSelf('1');
  const progress = (message) => process.stderr.write(`[bench agent-count] ${message}\n`);
  if (!pinned) progress('taskset not found: running UNPINNED');
  try {
    const result = await runAgentCountScenario(settings, progress);
    writeJson(RESULTS_FILE, { ...result, date: new Date().toISOString(), pinned, settings });
    process.stdout.write(renderAgentCount(result) + '\n');
  } finally {
    await dropBenchDatabases();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAsScript(main);
}
