// `npm run bench`: POST /token (client_credentials + private_key_jwt ES256), agentauth side by
// side with oidc-provider in one run. Progress goes to stderr; the table to stdout; the figures
// to bench/results/latest.json. See bench/README.md.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClientKey, tokenRequestBodies } from './assertions.js';
import { checkTokenResponse } from './check-token.js';
import { renderDpop, runDpopScenario } from './dpop.js';
import { measureCaIssuance, renderCaIssuance } from './ca-issuance.js';
import { measureMtlsToken, renderMtlsToken } from './mtls-token.js';
import { renderMetrics, runMetricsScenario } from './metrics-overhead.js';
import { machineBusyShare } from './machine-load.js';
import { failures, measureAtRate, measurePeak, median } from './measure.js';
import { agentauthEntryPoint, startAgentauth } from './peers/agentauth.js';
import { startOidcProvider } from './peers/oidc-provider.js';
import { startBareCrypto } from './peers/bare-crypto.js';
import { CORES, canPin, cleanUp, cleanUpSync, pinSelf } from './processes.js';
import { renderText, writeJson } from './report.js';
import { renderValidation, runValidationScenario } from './validation.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const SCOPE = 'orders:read';
const RESOURCE = 'https://api.example.com';
/** Share of the machine busy with other work above which the figures are flagged. */
const BUSY_WARNING = 0.1;
/** Access token lifetime, the same for both (agentauth's default). */
const TOKEN_TTL = 300;

const settings = {
  durationSeconds: setting('BENCH_DURATION', 10),
  repeats: setting('BENCH_REPEATS', 3),
  connections: setting('BENCH_CONNECTIONS', 32),
  warmupSeconds: setting('BENCH_WARMUP', 3),
};

function setting(name, fallback) {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

function progress(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

function describe(run) {
  const rate = run.tokensPerSecond ?? run.achievedRate;
  const failed = failures(run) > 0 ? `, FAILED ${failures(run)} ${JSON.stringify(run.statusCodes)} errors ${run.errors} timeouts ${run.timeouts}` : '';
  const stall = run.generatorMaxStallMs === undefined ? '' : ` (load generator's longest stall ${run.generatorMaxStallMs.toFixed(1)} ms)`;
  const retried = run.discarded?.length ? ` after discarding ${run.discarded.length} run(s) where the load generator stalled` : '';
  return `${rate.toFixed(0)} tokens/s, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms${stall}${retried}${failed}`;
}

/** Distinct non-empty lines a server printed. */
function serverLines(peer) {
  return [...new Set(peer.output().split('\n').map((line) => line.trim()).filter(Boolean))];
}

function summarize(runs) {
  return {
    tokensPerSecond: median(runs.map((run) => run.tokensPerSecond ?? run.achievedRate)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    failures: runs.reduce((sum, run) => sum + failures(run), 0),
    runs,
  };
}

async function warmUp(peer, request) {
  const run = await measurePeak(peer, { request, connections: settings.connections, durationSeconds: settings.warmupSeconds });
  progress(`warm-up ${peer.name}: ${describe(run)}`);
  return run.tokensPerSecond;
}

async function peakRuns(peers, request, rateHints) {
  const runs = new Map(peers.map((peer) => [peer, []]));
  // Interleaved (A B A B A B) so a noisy moment on the shared machine does not hit one peer only.
  for (let i = 1; i <= settings.repeats; i++) {
    for (const peer of peers) {
      const run = await measurePeak(peer, { request, connections: settings.connections, durationSeconds: settings.durationSeconds, rateHint: rateHints.get(peer) });
      progress(`peak ${i}/${settings.repeats} ${peer.name}: ${describe(run)}`);
      runs.get(peer).push(run);
    }
  }
  return new Map([...runs].map(([peer, list]) => [peer, summarize(list)]));
}

async function halfRateRuns(peers, request, peaks) {
  const runs = new Map(peers.map((peer) => [peer, []]));
  for (let i = 1; i <= settings.repeats; i++) {
    for (const peer of peers) {
      const rate = Math.max(1, Math.round(peaks.get(peer).tokensPerSecond / 2));
      const run = await measureAtRate(peer, { request, rate, durationSeconds: settings.durationSeconds });
      progress(`@50% ${i}/${settings.repeats} ${peer.name} at ${rate}/s: ${describe(run)}`);
      runs.get(peer).push(run);
    }
  }
  return new Map(
    [...runs].map(([peer, list]) => [peer, { rate: list[0].targetRate, achievedRate: median(list.map((run) => run.achievedRate)), ...summarize(list) }]),
  );
}

async function main() {
  const started = Date.now();
  const busyBefore = await machineBusyShare(2000);
  if (busyBefore !== undefined) progress(`machine busy before starting: ${(busyBefore * 100).toFixed(0)}% of all cores`);
  const pinned = pinSelf(LOAD_CPU);
  if (!pinned) progress('taskset not found: running UNPINNED, servers and load generator share every core');
  const key = generateClientKey();
  const request = { key, scope: SCOPE, resource: RESOURCE };
  const skipped = [];
  const notes = [];

  const peers = [await startOidcProvider({ publicJwk: key.publicJwk, scope: SCOPE, resource: RESOURCE, tokenTtl: TOKEN_TTL, cpus: SERVER_CPU })];
  const built = agentauthEntryPoint() !== undefined;
  if (built) peers.push(await startAgentauth({ publicJwk: key.publicJwk, scope: SCOPE, resource: RESOURCE, workers: 1, cpus: SERVER_CPU }));
  else skipped.push('agentauth: not built (run `npm run build`); oidc-provider measured alone');
  // The ceiling: the same request with only its cryptography (peers/bare-crypto-server.js).
  peers.push(await startBareCrypto({ publicJwk: key.publicJwk, scope: SCOPE, resource: RESOURCE, tokenTtl: TOKEN_TTL, cpus: SERVER_CPU }));
  for (const peer of peers) progress(await checkTokenResponse(peer, tokenRequestBodies(1, { ...request, clientId: peer.clientId, audience: peer.issuer })[0], RESOURCE));

  const rateHints = new Map();
  for (const peer of peers) rateHints.set(peer, await warmUp(peer, request));
  const peaks = await peakRuns(peers, request, rateHints);
  const halves = await halfRateRuns(peers, request, peaks);
  for (const peer of peers) await peer.stop();

  let workers = null;
  if (built) {
    // Unpinned: the workers get both cores, one of which the load generator also uses.
    const peer = await startAgentauth({ publicJwk: key.publicJwk, scope: SCOPE, resource: RESOURCE, workers: 2, cpus: undefined });
    progress(await checkTokenResponse(peer, tokenRequestBodies(1, { ...request, clientId: peer.clientId, audience: peer.issuer })[0], RESOURCE));
    const hint = await warmUp(peer, request);
    const peak = (await peakRuns([peer], request, new Map([[peer, hint]]))).get(peer);
    workers = { name: peer.name, cpus: 'all', peak, half: null, serverOutput: serverLines(peer) };
    await peer.stop();
  }
  // DPoP-bound issuance (RFC 9449) against the same request without DPoP, on one server (dpop.js).
  const dpop = built ? await runDpopScenario(settings, progress, SERVER_CPU) : null;
  // Token validation at a resource server and revocation propagation (validation.js).
  const validation = built ? await runValidationScenario(settings, progress, SERVER_CPU) : null;
  // Token requests over mutual TLS (RFC 8705 tls_client_auth, keep-alive), one server core (mtls-token.js).
  const mtlsToken = built ? await measureMtlsToken({ durationSeconds: settings.durationSeconds, connections: settings.connections, serverCpu: SERVER_CPU }, progress) : null;
  // Issuance with Prometheus metrics on (the default) against AGENTAUTH_METRICS=off (metrics-overhead.js).
  const metrics = built ? await runMetricsScenario(settings, progress, SERVER_CPU) : null;

  const rows = peers.map((peer) => ({
    name: peer.name,
    cpus: pinned ? SERVER_CPU : 'all',
    peak: peaks.get(peer),
    half: halves.get(peer),
    serverOutput: serverLines(peer),
  }));
  const [oidc] = rows;
  const agentauth = rows.find((row) => row.name.startsWith('agentauth'));
  const bare = rows.find((row) => row.name.startsWith('bare'));
  const ratio = agentauth
    ? {
        tokensPerSecond: agentauth.peak.tokensPerSecond / oidc.peak.tokensPerSecond,
        p99AtPeak: agentauth.peak.p99 / oidc.peak.p99,
        p99AtHalf: agentauth.half.p99 / oidc.half.p99,
        ofBareCrypto: agentauth.peak.tokensPerSecond / bare.peak.tokensPerSecond,
        targetOfBareCrypto: (2.5 * oidc.peak.tokensPerSecond) / bare.peak.tokensPerSecond,
      }
    : null;

  for (const row of [...rows, workers].filter(Boolean)) {
    const failed = row.peak.failures + (row.half?.failures ?? 0);
    if (failed > 0) notes.push(`${row.name}: ${failed} requests FAILED in the measured runs (non-2xx, errors or timeouts); see the runs in ${RESULTS_FILE}`);
    if (row.half && row.half.achievedRate < 0.95 * row.half.rate) {
      notes.push(`${row.name}: the @50% run reached only ${row.half.achievedRate.toFixed(0)} of ${row.half.rate} tokens/s`);
    }
  }
  // oidc-provider's own warnings (e.g. that it does not support this Node.js version).
  notes.push(...oidc.serverOutput.filter((line) => line.includes('WARNING')));
  if (workers) {
    notes.push(
      `agentauth --workers 2 is NOT pinned: its 2 workers (and the cluster primary) share the machine's ${CORES} cores with the load generator, ` +
        'which stays on core 1; on this 2-core machine the load generator competes for the same cores, so this figure understates 2 dedicated cores',
    );
  }
  notes.push(
    'bare node:crypto endpoint: fastify, the assertion verified and the token signed with node:crypto, nothing else ' +
      '(no replay check, no storage, no audit): the ceiling for this request on this core, not a server to run',
  );
  notes.push(
    'per token, agentauth writes the assertion jti claim (its authoritative replay check), the issued-token record and an audit record ' +
      "to SQLite (group commit: each answer waits for its batch to be durable); oidc-provider's default in-memory adapter writes nothing durable " +
      '(its replay check is in memory)',
  );
  const busyAfter = await machineBusyShare(1000);
  for (const [when, share] of [['before', busyBefore], ['after', busyAfter]]) {
    if (share !== undefined && share > BUSY_WARNING) {
      notes.push(`the machine was ${(share * 100).toFixed(0)}% busy with other work ${when} the bench: figures are disturbed, run again when it is idle`);
    }
  }
  notes.push('every request carries its own pre-signed assertion (unique jti); tokens/s counts 200 answers only');

  // Certificate issuance, in this process, which is already pinned to one core.
  const caIssuance = await measureCaIssuance({ pin: false });
  const results = {
    title: 'POST /token client_credentials + private_key_jwt (ES256)',
    date: new Date(started).toISOString(),
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
    machine: { busyBefore, busyAfter, cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU', cores: CORES, node: process.version, pinned: pinned && canPin, serverCpus: SERVER_CPU, loadGeneratorCpus: LOAD_CPU },
    settings: { ...settings, scope: SCOPE, resource: RESOURCE, accessTokenTtl: TOKEN_TTL },
    peers: rows,
    ratio,
    workers,
    dpop,
    validation,
    caIssuance,
    mtlsToken,
    metrics,
    skipped,
    notes,
  };
  writeJson(RESULTS_FILE, results);
  process.stdout.write(renderText(results) + '\n');
  if (dpop) process.stdout.write(renderDpop(dpop) + '\n');
  if (validation) process.stdout.write(renderValidation(validation) + '\n');
  process.stdout.write(renderCaIssuance(caIssuance) + '\n');
  if (mtlsToken) process.stdout.write(renderMtlsToken(mtlsToken) + '\n');
  if (metrics) process.stdout.write(renderMetrics(metrics) + '\n');
  progress(`done in ${results.elapsedSeconds} s; figures in ${RESULTS_FILE}`);
  // Token exchange against client_credentials on one server (token-exchange.js, its own process).
  if (built) await runChild(join(dirname(fileURLToPath(import.meta.url)), 'token-exchange.js'));
  // /token with 100 Cedar policies against the baseline set on one server (policies.js, its own process).
  if (built) await runChild(join(dirname(fileURLToPath(import.meta.url)), 'policies.js'));
  // /token spread over 1, 2 and 3 nodes on one PostgreSQL (nodes.js, its own process).
  if (built) await runChild(join(dirname(fileURLToPath(import.meta.url)), 'nodes.js'));
  // /token with 1,000 against 1,000,000 registered agents on PostgreSQL (agent-count.js, its own process).
  if (built) await runChild(join(dirname(fileURLToPath(import.meta.url)), 'agent-count.js'));
}

/** Runs another bench script to completion, its output passed through. */
function runChild(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}

process.on('exit', cleanUpSync);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    progress(`${signal}: stopping`);
    cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
