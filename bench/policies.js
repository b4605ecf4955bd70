// POST /token with 100 Cedar policies in force against the same request under the baseline set
// (one permit: the allow-list decides), on one agentauth server (target: within 10% of the rate
// without policies). `npm run bench` runs it after the other scenarios; `node bench/policies.js`
// runs it alone. Progress to stderr, the table to stdout, the figures to bench/results/policies.json.
//
// One agentauth process from the built command line, pinned to core 0; the load generator on core
// 1. The two sets are applied through the admin API between runs (never inside a measured window),
// and measured interleaved (A B A B A B). The 100 policies are what a fleet's operators write:
// forbids by team tag, scope pattern, key binding, delegation depth, network and sensitivity, and
// permits that shorten lifetimes; none refuses the benchmark agent's request, so every request is
// decided by all of them. The request repeats (same agent, audience, scope, address, minute), so
// after the first decision the decider's cache answers: that is the point of the cache.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClientKey, tokenRequestBodies } from './assertions.js';
import { collectGarbage } from './collect-garbage.js';
import { runPeak } from './load.js';
import { MAX_POOL_ATTEMPTS, measureInterleaved } from './measure.js';
import { startAgentauth } from './peers/agentauth.js';
import { pinSelf, runAsScript } from './processes.js';
import { writeJson } from './report.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'policies.json');
const SCOPE = 'orders:read';
const RESOURCE = 'https://api.example.com';
/** The bound: with 100 policies, /token at most 10 % slower. */
const MAX_SLOWDOWN = 0.1;
const KINDS = ['baseline set (1 policy)', '100 policies'];

const BASELINE = '@id("allow-list") permit (principal, action, resource);';

/** 100 policies: the allow-list permit and 99 that narrow or shape, none refusing the bench agent. */
export function hundredPolicies() {
  const policies = [BASELINE];
  for (let i = 0; i < 40; i++) {
    policies.push(`@id("team-${i}-no-write") forbid (principal, action, resource) when { principal.hasTag("team") && principal.getTag("team") == "team-${i}" && context.scope like "*:write" };`);
  }
  for (let i = 0; i < 20; i++) {
    policies.push(`@id("svc-${i}-bound") forbid (principal, action, resource == Resource::"https://svc-${i}.example.com") when { context.binding == "none" };`);
  }
  for (let i = 0; i < 20; i++) {
    policies.push(
      `@id("svc-${i}-network") forbid (principal, action, resource == Resource::"https://svc-${i}.example.com") unless { context.source_ip.isInRange(ip("10.${i}.0.0/16")) || context.source_ip.isInRange(ip("127.0.0.0/8")) };`,
    );
  }
  for (let i = 0; i < 10; i++) {
    policies.push(`@id("depth-${i}") forbid (principal, action == Action::"exchange_token", resource) when { resource.sensitivity == "tier-${i}" && context.delegation_depth > ${2 + (i % 3)} };`);
  }
  for (let i = 0; i < 9; i++) {
    policies.push(`@id("short-${i}") @max_ttl("${120 + i}") permit (principal, action, resource) when { resource.sensitivity == "high" && context.scope == "reports:${i}" };`);
  }
  return policies.join('\n');
}

/** Applies `source` as the whole set unless it is already in force. */
async function applySet(peer, source, state) {
  if (state.current === source) return;
  await peer.admin('POST', '/admin/v1/policies/apply', { source, replace: true, comment: 'bench' });
  state.current = source;
}

async function measure(kind, peer, key, settings, durationSeconds, rateHint, state) {
  await applySet(peer, kind === KINDS[0] ? BASELINE : hundredPolicies(), state);
  for (let count = Math.ceil(durationSeconds * Math.max(2000, 2 * rateHint)) + settings.connections, attempt = 0; ; count *= 4, attempt++) {
    const bodies = tokenRequestBodies(count, { key, clientId: peer.clientId, audience: peer.issuer, scope: SCOPE, resource: RESOURCE });
    collectGarbage();
    const run = await runPeak({ tokenUrl: peer.tokenUrl, bodies, connections: settings.connections, durationSeconds });
    if (!run.exhausted) return run;
    if (attempt === MAX_POOL_ATTEMPTS - 1) throw new Error(`${kind}: ran out of ${count} pre-signed requests ${MAX_POOL_ATTEMPTS} times; not reporting a truncated run`);
  }
}

/** One token under the 100 policies, checked: issued, and decided by the policy set just applied. */
async function check(peer, key, state) {
  await applySet(peer, hundredPolicies(), state);
  const listed = await peer.admin('GET', '/admin/v1/policies');
  const count = Array.isArray(listed?.items) ? listed.items.length : NaN;
  if (count !== 100) throw new Error(`expected 100 policies in force, the admin API lists ${count}`);
  const body = tokenRequestBodies(1, { key, clientId: peer.clientId, audience: peer.issuer, scope: SCOPE, resource: RESOURCE })[0];
  const response = await globalThis.fetch(peer.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  if (response.status !== 200) throw new Error(`token request under 100 policies answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return `policy check: 100 policies in force (version ${listed.version}), token issued`;
}

/** Measures both sets on one fresh agentauth (1 process, pinned to `serverCpus`). */
export async function runPolicyScenario(settings, progress, serverCpus = '0') {
  const key = generateClientKey();
  const peer = await startAgentauth({ publicJwk: key.publicJwk, scope: SCOPE, resource: RESOURCE, workers: 1, cpus: serverCpus });
  const state = { current: BASELINE };
  try {
    progress(await check(peer, key, state));
    const rows = await measureInterleaved(KINDS, (kind, seconds, hint) => measure(kind, peer, key, settings, seconds, hint, state), settings, progress);
    const [without, withPolicies] = rows;
    const ratio = withPolicies.tokensPerSecond / without.tokensPerSecond;
    return { title: 'POST /token: 100 Cedar policies in force vs the baseline set, same server', rows, ratio, slowdown: 1 - ratio, target: `at most ${MAX_SLOWDOWN * 100}% slower`, met: 1 - ratio <= MAX_SLOWDOWN };
  } finally {
    await peer.stop();
  }
}

/** The table printed on stdout. */
export function renderPolicies(result) {
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(30) : String(c).padStart(12))).join('');
  const out = ['', result.title, line(['policy set', 'tokens/s', 'p50 ms', 'p99 ms', 'failed'])];
  for (const row of result.rows) out.push(line([row.kind, row.tokensPerSecond.toFixed(0), row.p50.toFixed(1), row.p99.toFixed(1), row.failures]));
  out.push(`100 policies / baseline: ${result.ratio.toFixed(2)}x the rate (${(result.slowdown * 100).toFixed(1)}% slower); target ${result.target}: ${result.met ? 'met' : 'NOT met'}`);
  return out.join('\n');
}

async function main() {
  const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
  const settings = { durationSeconds: env('BENCH_DURATION', 10), repeats: env('BENCH_REPEATS', 3), connections: env('BENCH_CONNECTIONS', 32), warmupSeconds: env('BENCH_WARMUP', 3) };
  const pinned = pinSelf('1');
  const progress = (message) => process.stderr.write(`[bench policies] ${message}\n`);
  if (!pinned) progress('taskset not found: running UNPINNED');
  const result = await runPolicyScenario(settings, progress);
  writeJson(RESULTS_FILE, { ...result, date: new Date().toISOString(), pinned, settings });
  process.stdout.write(renderPolicies(result) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAsScript(main);
}
