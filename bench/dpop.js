// DPoP-bound issuance (RFC 9449) against the same request without DPoP, on one agentauth server
// (target: no more than 25% slower than the same request without DPoP). `npm run bench` runs
// it after the side-by-side comparison (see run.js); `node bench/dpop.js` runs it alone. Progress
// to stderr, the table to stdout, the figures to bench/results/dpop.json.
//
// One agentauth process from the built command line (SQLite, durable audit, in-memory replay
// cache: the defaults), pinned to core 0; the load generator on core 1. Two request kinds,
// measured interleaved (A B A B A B) at peak with autocannon, the median of the runs shown:
//   - client_credentials: the benchmark's usual request (bench/README.md);
//   - client_credentials + DPoP: the same body, plus a `DPoP` header carrying a fresh proof
//     (RFC 9449 §4.2: ES256, typ dpop+jwt, the agent's public key in `jwk`, unique jti, htm POST,
//     htu the token endpoint, iat now). Proofs are signed with node:crypto before each run, like
//     the assertions, never inside the measured window; the server answers with a DPoP-bound
//     token (`token_type: DPoP`, `cnf.jkt`), checked once before measuring.
import { Buffer } from 'node:buffer';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClientKey, tokenRequestBodies } from './assertions.js';
import { collectGarbage } from './collect-garbage.js';
import { runPeak } from './load.js';
import { MAX_POOL_ATTEMPTS, measureInterleaved } from './measure.js';
import { startAgentauth } from './peers/agentauth.js';
import { pinSelf, runAsScript } from './processes.js';
import { writeJson } from './report.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'dpop.json');
const SCOPE = 'orders:read';
const RESOURCE = 'https://api.example.com';
/** The bound: DPoP issuance at most 25 % slower than the same request without DPoP. */
const MAX_SLOWDOWN = 0.25;
/** The server accepts a proof's iat up to 60 s old; a run must use its proofs well within that. */
const MAX_PROOF_AGE_SECONDS = 45;
const KINDS = ['client_credentials', 'client_credentials + DPoP'];

const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The agent's DPoP key pair (P-256) and the proof header that carries its public key. */
function dpopKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { privateKey, header: encode({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }) };
}

/** `count` RFC 9449 §4.2 proofs for POST `htu`, each with its own jti, iat now. */
function dpopProofs(count, key, htu) {
  const iat = Math.floor(Date.now() / 1000);
  const proofs = new Array(count);
  for (let i = 0; i < count; i++) {
    const input = `${key.header}.${encode({ jti: randomBytes(16).toString('base64url'), htm: 'POST', htu, iat })}`;
    proofs[i] = `${input}.${sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }
  return proofs;
}

async function measure(kind, peer, keys, settings, durationSeconds, rateHint) {
  for (let count = Math.ceil(durationSeconds * Math.max(2000, 2 * rateHint)) + settings.connections, attempt = 0; ; count *= 4, attempt++) {
    const bodies = tokenRequestBodies(count, { key: keys.client, clientId: peer.clientId, audience: peer.issuer, scope: SCOPE, resource: RESOURCE });
    const proofs = kind === 'client_credentials' ? undefined : dpopProofs(count, keys.dpop, peer.tokenUrl);
    collectGarbage();
    const run = await runPeak({ tokenUrl: peer.tokenUrl, bodies, dpopProofs: proofs, connections: settings.connections, durationSeconds });
    if (!run.exhausted) return run;
    if (attempt === MAX_POOL_ATTEMPTS - 1) throw new Error(`${kind}: ran out of ${count} pre-signed requests ${MAX_POOL_ATTEMPTS} times; not reporting a truncated run`);
  }
}

/** One request of each kind, checked: a bearer token, then a DPoP-bound one. */
async function check(peer, keys) {
  const body = tokenRequestBodies(1, { key: keys.client, clientId: peer.clientId, audience: peer.issuer, scope: SCOPE, resource: RESOURCE })[0];
  const [proof] = dpopProofs(1, keys.dpop, peer.tokenUrl);
  const response = await globalThis.fetch(peer.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`DPoP token request answered ${response.status}: ${text.slice(0, 300)}`);
  const answer = JSON.parse(text);
  const claims = JSON.parse(Buffer.from(answer.access_token.split('.')[1], 'base64url').toString());
  if (answer.token_type !== 'DPoP' || typeof claims.cnf?.jkt !== 'string') throw new Error(`not a DPoP-bound token: ${text.slice(0, 300)}`);
  return `DPoP check: token_type ${answer.token_type}, cnf.jkt ${claims.cnf.jkt}`;
}

/**
 * Measures both kinds on one fresh agentauth (1 process, pinned to `serverCpus`) and returns the
 * rows and the slowdown of DPoP-bound issuance. `progress` receives one line per step.
 */
export async function runDpopScenario(settings, progress, serverCpus = '0') {
  if (settings.durationSeconds > MAX_PROOF_AGE_SECONDS) throw new TypeError(`BENCH_DURATION must be at most ${MAX_PROOF_AGE_SECONDS} s for the DPoP scenario (proofs are accepted for 60 s)`);
  const keys = { client: generateClientKey(), dpop: dpopKey() };
  const peer = await startAgentauth({ publicJwk: keys.client.publicJwk, scope: SCOPE, resource: RESOURCE, workers: 1, cpus: serverCpus });
  try {
    progress(await check(peer, keys));
    const rows = await measureInterleaved(KINDS, (kind, seconds, hint) => measure(kind, peer, keys, settings, seconds, hint), settings, progress);
    const [plain, dpop] = rows;
    const ratio = dpop.tokensPerSecond / plain.tokensPerSecond;
    return { title: 'POST /token: DPoP-bound issuance vs the same request without DPoP, same server', rows, ratio, slowdown: 1 - ratio, target: `at most ${MAX_SLOWDOWN * 100}% slower`, met: 1 - ratio <= MAX_SLOWDOWN };
  } finally {
    await peer.stop();
  }
}

/** The table printed on stdout. */
export function renderDpop(result) {
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(30) : String(c).padStart(12))).join('');
  const out = ['', result.title, line(['request', 'tokens/s', 'p50 ms', 'p99 ms', 'failed'])];
  for (const row of result.rows) out.push(line([row.kind, row.tokensPerSecond.toFixed(0), row.p50.toFixed(1), row.p99.toFixed(1), row.failures]));
  out.push(`DPoP / plain: ${result.ratio.toFixed(2)}x the rate (${(result.slowdown * 100).toFixed(1)}% slower); target ${result.target}: ${result.met ? 'met' : 'NOT met'}`);
  return out.join('\n');
}

async function main() {
  const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
  const settings = { durationSeconds: env('BENCH_DURATION', 10), repeats: env('BENCH_REPEATS', 3), connections: env('BENCH_CONNECTIONS', 32), warmupSeconds: env('BENCH_WARMUP', 3) };
  const pinned = pinSelf('1');
  const progress = (message) => process.stderr.write(`[bench dpop] ${message}\n`);
  if (!pinned) progress('taskset not found: running UNPINNED');
  const result = await runDpopScenario(settings, progress);
  writeJson(RESULTS_FILE, { ...result, date: new Date().toISOString(), pinned, settings });
  process.stdout.write(renderDpop(result) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAsScript(main);
}
