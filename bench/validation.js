// Token validation at a resource server: verifications/s on one core through the
// resource-server SDK (createResourceServer().verify, with the revocation check of a live Shared
// Signals feed) against jose.jwtVerify alone on the same tokens, and revocation propagation: from
// the RFC 7009 revoke call returning to the SDK refusing the token. `npm run bench` runs it after
// the other scenarios (see run.js); `node bench/validation.js` runs it alone (after `npm run build`).
// Progress to stderr, the table to stdout, the figures to bench/results/validation.json.
//
// One agentauth process from the built command line (SQLite, defaults) pinned to core 0; this
// process (the SDK, and the load) on core 1. Throughput: the same TOKEN_COUNT real tokens, verified
// in a sequential loop (one verification in flight: one core, no I/O), SDK and bare jwtVerify
// interleaved (A B A B A B), the median of the runs shown. Both check the same things jose checks
// (signature ES256 with the server's key by kid, typ at+jwt, iss, aud, exp/nbf/iat); the SDK adds
// what a service needs (the Authorization header, RFC 8725 header checks, required claims, scope
// parsing, cnf, the revocation state, the principal).
import { Buffer } from 'node:buffer';
import { randomBytes, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { generateClientKey, tokenRequestBodies } from './assertions.js';
import { median } from './measure.js';
import { percentile } from './percentile.js';
import { spawnAgentauth } from './peers/agentauth.js';
import { canPin, pinSelf, runAsScript } from './processes.js';
import { writeJson } from './report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'validation.json');
const RESOURCE = 'https://api.example.com';
const SCOPE = 'orders:read';
const TOKEN_COUNT = 200;
/** The issue's target: the SDK within 10 % of bare jwtVerify. */
const MAX_SLOWDOWN = 0.1;
/** The issue's bound on revocation propagation, p99. */
const MAX_PROPAGATION_P99_MS = 1_000;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function assertion(key, clientId, audience) {
  const iat = Math.floor(Date.now() / 1000);
  const input = `${encode({ alg: 'ES256', kid: key.kid })}.${encode({ iss: clientId, sub: clientId, aud: audience, jti: randomBytes(16).toString('base64url'), iat, exp: iat + 60 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

async function startServer(serverCpus) {
  const { base: issuer, register: registerAgent, handle } = await spawnAgentauth({ cpus: serverCpus });
  const register = async (body) => {
    const key = generateClientKey();
    return { key, id: (await registerAgent({ jwks: { keys: [key.publicJwk] }, ...body })).id };
  };
  return { issuer, register, stop: handle.stop };
}

async function issueTokens(issuer, agent, count) {
  const bodies = tokenRequestBodies(count, { key: agent.key, clientId: agent.id, audience: issuer, scope: SCOPE, resource: RESOURCE });
  const tokens = [];
  for (const body of bodies) {
    const response = await globalThis.fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${body.toString()}&client_id=${agent.id}` });
    if (response.status !== 200) throw new Error(`POST /token answered ${response.status}`);
    tokens.push((await response.json()).access_token);
  }
  return tokens;
}

/** Verifications done by `verify` over `tokens`, one at a time, for `milliseconds`. */
async function slice(verify, tokens, milliseconds, state) {
  const end = performance.now() + milliseconds;
  const start = performance.now();
  let count = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await verify(tokens[(state.next++ + count++) % tokens.length]);
  }
  return { count, ms: performance.now() - start };
}

/**
 * One run: `seconds` each for the two verifiers, alternated in 250 ms slices (A B A B ...), so
 * that a noisy moment on a shared machine falls on both alike. Returns verifications/s of each.
 */
async function measurePair(first, second, tokens, seconds) {
  const totals = [
    { count: 0, ms: 0 },
    { count: 0, ms: 0 },
  ];
  const state = { next: 0 };
  for (let i = 0; i < seconds * 4; i++) {
    for (const [index, verify] of [first, second].entries()) {
      const { count, ms } = await slice(verify, tokens, 250, state);
      totals[index].count += count;
      totals[index].ms += ms;
    }
  }
  return totals.map(({ count, ms }) => (count * 1000) / ms);
}

async function propagation(sdk, rs, issuer, caller, count) {
  const delays = [];
  for (let i = 0; i < count; i++) {
    const [token] = await issueTokens(issuer, caller, 1);
    await rs.verify({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } });
    const form = new globalThis.URLSearchParams({ token, client_id: caller.id, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion(caller.key, caller.id, issuer) });
    const response = await globalThis.fetch(`${issuer}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`POST /revoke answered ${response.status}`);
    const revokedAt = performance.now();
    for (;;) {
      try {
        await rs.verify({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } });
      } catch (error) {
        if (error instanceof sdk.VerificationError && error.code === 'ERR_TOKEN_REVOKED') break;
        throw error;
      }
      if (performance.now() - revokedAt > 10_000) throw new Error('token still accepted 10 s after its revocation');
      await new Promise((resolve) => setImmediate(resolve));
    }
    delays.push(performance.now() - revokedAt);
  }
  delays.sort((a, b) => a - b);
  return { count, p50: percentile(delays, 0.5), p99: percentile(delays, 0.99), max: delays[delays.length - 1] };
}

/** Runs the scenario; `settings` as in run.js (durationSeconds, repeats). */
export async function runValidationScenario(settings, progress, serverCpus = '0') {
  const sdk = await import(pathToFileURL(join(ROOT, 'packages/resource-server/dist/index.js')).href);
  const server = await startServer(serverCpus);
  try {
    const service = await server.register({ name: 'bench-service', scopes: ['agentauth:signals'], resources: [server.issuer] });
    const caller = await server.register({ name: 'bench-caller', scopes: [SCOPE], resources: [RESOURCE] });
    const { kty, crv, x, y, d } = service.key.privateKey.export({ format: 'jwk' });
    const feed = sdk.createSignalsFeed({ issuer: server.issuer, credentials: { clientId: service.id, privateKey: { kty, crv, x, y, d }, alg: 'ES256', kid: service.key.kid } });
    await feed.start();
    const rs = sdk.createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: feed });
    const tokens = await issueTokens(server.issuer, caller, TOKEN_COUNT);
    const jwks = await (await globalThis.fetch(`${server.issuer}/jwks`)).json();
    const keySet = createLocalJWKSet(jwks);
    const bare = (token) => jwtVerify(token, keySet, { issuer: server.issuer, audience: RESOURCE, algorithms: ['ES256'], typ: 'at+jwt' });
    const headers = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
    const byToken = new Map(tokens.map((token, i) => [token, headers[i]]));
    const viaSdk = (token) => rs.verify({ method: 'GET', url: '/orders', headers: byToken.get(token) });
    // Both paths must accept every token before anything is timed.
    for (const token of tokens) {
      await bare(token);
      await viaSdk(token);
    }
    progress(`validation: ${tokens.length} real tokens; SDK and jwtVerify accept all of them`);

    await measurePair(bare, viaSdk, tokens, Math.max(1, Math.min(3, settings.warmupSeconds ?? 3)));
    const runs = { sdk: [], jose: [] };
    for (let i = 1; i <= settings.repeats; i++) {
      const [jose, viaSdkRate] = await measurePair(bare, viaSdk, tokens, settings.durationSeconds);
      runs.jose.push(jose);
      runs.sdk.push(viaSdkRate);
      progress(`validation ${i}/${settings.repeats}: jose.jwtVerify ${jose.toFixed(0)}/s, SDK verify (with revocation check) ${viaSdkRate.toFixed(0)}/s`);
    }
    const propagationResult = await propagation(sdk, rs, server.issuer, caller, 50);
    progress(`revocation propagation: p50 ${propagationResult.p50.toFixed(1)} ms, p99 ${propagationResult.p99.toFixed(1)} ms`);
    await feed.close();

    const sdkRate = median(runs.sdk);
    const joseRate = median(runs.jose);
    const ratios = runs.sdk.map((rate, i) => rate / runs.jose[i]);
    return {
      title: 'Access-token validation at a resource server (ES256)',
      date: new Date().toISOString(),
      pinned: canPin,
      tokens: tokens.length,
      verificationsPerSecond: { sdk: sdkRate, jose: joseRate },
      // Each run compares the two under the same conditions: the median of the per-run ratios.
      slowdown: 1 - median(ratios),
      target: MAX_SLOWDOWN,
      propagation: { ...propagationResult, target: MAX_PROPAGATION_P99_MS },
      runs,
    };
  } finally {
    await server.stop();
  }
}

export function renderValidation(result) {
  const { sdk, jose } = result.verificationsPerSecond;
  const { p50, p99, max, count, target } = result.propagation;
  return [
    '',
    `${result.title} — one core, ${result.tokens} real tokens, sequential`,
    `  jose.jwtVerify alone                        ${jose.toFixed(0).padStart(8)} verifications/s`,
    `  SDK verify (header, checks, revocation)     ${sdk.toFixed(0).padStart(8)} verifications/s`,
    `  SDK vs jwtVerify: ${(result.slowdown * 100).toFixed(1)}% slower (target: within ${(result.target * 100).toFixed(0)}%) — ${result.slowdown <= result.target ? 'MET' : 'NOT MET'}`,
    `Revocation propagation (revoke returned -> SDK refuses), ${count} revocations, long polling:`,
    `  p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (target p99 < ${target} ms) — ${p99 < target ? 'MET' : 'NOT MET'}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runAsScript(async () => {
    if (canPin) pinSelf('1');
    const settings = { durationSeconds: Number(process.env.BENCH_DURATION ?? 5), repeats: Number(process.env.BENCH_REPEATS ?? 3), warmupSeconds: 2 };
    const result = await runValidationScenario(settings, (message) => process.stderr.write(`[bench] ${message}\n`));
    writeJson(RESULTS_FILE, result);
    process.stdout.write(renderValidation(result) + '\n');
  });
}
