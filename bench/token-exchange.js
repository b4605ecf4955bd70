// `node bench/token-exchange.js`: RFC 8693 token exchange against client_credentials on the same
// agentauth server (target: within 1.5x the cost of a client_credentials request). Progress to
// stderr, the table to stdout, the figures to bench/results/token-exchange.json.
//
// One agentauth process from the built command line (SQLite, durable audit: the defaults), pinned
// to core 0; this process (the load generator) on core 1. Three request kinds, each with its own
// pre-signed private_key_jwt assertion (unique jti), measured interleaved (A B C A B C A B C) at
// peak with autocannon, 32 connections; the median of three runs is shown:
//   - client_credentials: the benchmark's usual request (bench/README.md);
//   - token exchange (narrowing): the client exchanges its own access token for a narrower one
//     (a per-task token: no act, no actor_token needed);
//   - token exchange (delegation): the client exchanges a user's access token (subject_token) for
//     a delegated one (act = the client), presenting its own access token as actor_token, as
//     delegation requires.
// The subject and actor tokens are obtained once before measuring (exchanging never consumes them).
import { Buffer } from 'node:buffer';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClientKey, tokenRequestBodies } from './assertions.js';
import { collectGarbage } from './collect-garbage.js';
import { runPeak } from './load.js';
import { measureInterleaved } from './measure.js';
import { spawnAgentauth } from './peers/agentauth.js';
import { pinSelf, runAsScript } from './processes.js';
import { writeJson } from './report.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'token-exchange.json');
const SCOPE = 'orders:read';
const RESOURCE = 'https://api.example.com';
const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const CC_PREFIX = Buffer.from('grant_type=client_credentials');

const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const settings = { durationSeconds: env('BENCH_DURATION', 10), repeats: env('BENCH_REPEATS', 3), connections: env('BENCH_CONNECTIONS', 32), warmupSeconds: env('BENCH_WARMUP', 3) };
const progress = (message) => process.stderr.write(`[bench token-exchange] ${message}\n`);

/** agentauth with two agents: `user` (the subject) and `copilot` (the exchanging client). */
async function startServer(userKey, copilotKey) {
  const { metadata, register: registerAgent, handle } = await spawnAgentauth({ cpus: '0' });
  const register = async (body) => (await registerAgent({ scopes: [SCOPE], resources: [RESOURCE], ...body })).id;
  // The user's token outlives the whole run; exchanged tokens are capped at the copilot's 300 s.
  const userId = await register({ name: 'user', jwks: { keys: [userKey.publicJwk] }, access_token_ttl: 3600 });
  const copilotId = await register({ name: 'copilot', jwks: { keys: [copilotKey.publicJwk] }, grant_types: ['client_credentials', GRANT_TOKEN_EXCHANGE] });
  return { handle, issuer: metadata.issuer, tokenUrl: metadata.token_endpoint, userId, copilotId };
}

async function post(url, body) {
  const response = await globalThis.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /token answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** `count` bodies of one kind, each with a fresh assertion of `clientId`. */
function bodies(kind, count, server, key, tokens) {
  const cc = tokenRequestBodies(count, { key, clientId: server.copilotId, audience: server.issuer, scope: SCOPE, resource: RESOURCE });
  if (kind === 'client_credentials') return cc;
  const subject = kind === 'token exchange (narrowing)' ? tokens.actor : tokens.subject;
  let prefix = `grant_type=${encodeURIComponent(GRANT_TOKEN_EXCHANGE)}&subject_token=${subject}&subject_token_type=${encodeURIComponent(ACCESS_TOKEN_TYPE)}`;
  if (kind === 'token exchange (delegation)') prefix += `&actor_token=${tokens.actor}&actor_token_type=${encodeURIComponent(ACCESS_TOKEN_TYPE)}`;
  const head = Buffer.from(prefix);
  return cc.map((body) => Buffer.concat([head, body.subarray(CC_PREFIX.length)]));
}

async function measure(kind, server, key, tokens, durationSeconds, rateHint) {
  for (let count = Math.ceil(durationSeconds * Math.max(2000, 2 * rateHint)) + settings.connections; ; count *= 4) {
    const pool = bodies(kind, count, server, key, tokens);
    collectGarbage();
    const run = await runPeak({ tokenUrl: server.tokenUrl, bodies: pool, connections: settings.connections, durationSeconds });
    if (!run.exhausted) return run;
  }
}

async function main() {
  const pinned = pinSelf('1');
  if (!pinned) progress('taskset not found: running UNPINNED');
  const userKey = generateClientKey();
  const copilotKey = generateClientKey();
  const server = await startServer(userKey, copilotKey);
  try {
    const ccBody = (key, clientId) => tokenRequestBodies(1, { key, clientId, audience: server.issuer, scope: SCOPE, resource: RESOURCE })[0];
    const tokens = {
      subject: (await post(server.tokenUrl, ccBody(userKey, server.userId))).access_token,
      actor: (await post(server.tokenUrl, ccBody(copilotKey, server.copilotId))).access_token,
    };
    // BENCH_ONLY (e.g. `delegation`) measures only the kinds whose name contains it, for profiling.
    const kinds = ['client_credentials', 'token exchange (narrowing)', 'token exchange (delegation)'].filter((kind) => kind.includes(process.env.BENCH_ONLY ?? ''));
    for (const kind of kinds.filter((k) => k !== 'client_credentials')) {
      const answer = await post(server.tokenUrl, bodies(kind, 1, server, copilotKey, tokens)[0]);
      const claims = JSON.parse(Buffer.from(answer.access_token.split('.')[1], 'base64url').toString());
      progress(`${kind}: sub ${claims.sub === server.userId ? 'user' : claims.sub === server.copilotId ? 'copilot' : '?'}, act ${JSON.stringify(claims.act)}, scope ${claims.scope}, ${answer.expires_in} s, issued_token_type ${answer.issued_token_type}`);
    }
    const rows = (await measureInterleaved(kinds, (kind, seconds, hint) => measure(kind, server, copilotKey, tokens, seconds, hint), settings, progress)).map(({ tokensPerSecond, ...row }) => ({ ...row, requestsPerSecond: tokensPerSecond }));
    const base = rows[0].requestsPerSecond;
    for (const row of rows) row.costVsClientCredentials = base / row.requestsPerSecond;
    writeJson(RESULTS_FILE, { title: 'POST /token: RFC 8693 token exchange vs client_credentials, same server', date: new Date().toISOString(), pinned, settings, target: 'cost <= 1.5x client_credentials', rows });
    const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(30) : String(c).padStart(12))).join('');
    const out = [line(['request', 'requests/s', 'p50 ms', 'p99 ms', 'failed', 'cost vs cc'])];
    for (const row of rows) out.push(line([row.kind, row.requestsPerSecond.toFixed(0), row.p50.toFixed(1), row.p99.toFixed(1), row.failures, `${row.costVsClientCredentials.toFixed(2)}x`]));
    out.push('target: token exchange within 1.5x the cost of client_credentials');
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await server.handle.stop();
  }
}

runAsScript(main);
