// Certificate issuance: CSR in, chain out, certificates/s on one core, in process through
// the CA API (`CertificateAuthority.issueForAgent`: CSR signature check, template, signing,
// post-signing validation, the durable record and the audit record on SQLite), side by side with
// the same CSR through `openssl x509 -req` run once per request (the process a shell-script CA
// pays for every certificate). Prints both rates and the cost ratio.
//
// Run alone: `npm run build && node bench/ca-issuance.js` (BENCH_CA_SECONDS, BENCH_CA_OPENSSL_RUNS,
// BENCH_CA_CONCURRENCY). `bench/run.js` calls `measureCaIssuance()` too.
import { Buffer } from 'node:buffer';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const DIST = new URL('../packages/server/dist/', import.meta.url);
const load = (path) => import(new URL(path, DIST).href);

function setting(name, fallback) {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

function progress(message) {
  process.stderr.write(`[bench:ca] ${message}\n`);
}

/** Pins this process to one core when taskset exists, so "one core" means one core. */
function pinToOneCore() {
  const result = spawnSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  return result.status === 0;
}

async function startCa(dir) {
  const [{ openStore }, { createCommitLog }, { CertificateAuthority }, { RevocationEvents }, { cryptoRandom }, { systemClock }] = await Promise.all([
    load('store/sql/open-store.js'),
    load('audit/group-commit.js'),
    load('ca/certificate-authority.js'),
    load('events/revocation-events.js'),
    load('random.js'),
    load('clock.js'),
  ]);
  const logger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child() { return logger; }, level: 'silent' };
  const store = await openStore({ dataDir: dir, migrate: true, logger });
  const audit = createCommitLog({ store, flushIntervalMs: 2, logger });
  // The server reads agents through its in-memory directory (invalidated on every change); the
  // bench gives the CA the same kind of cache rather than a database read per certificate.
  const cached = new Map();
  const agents = { getAgent: async (id) => cached.get(id) ?? cached.set(id, await store.getAgent(id)).get(id) };
  const ca = new CertificateAuthority({
    store,
    agents,
    masterKey: Buffer.alloc(32, 1),
    clock: systemClock,
    random: cryptoRandom,
    commitLog: audit,
    events: new RevocationEvents(),
    logger,
    issuer: 'https://auth.example.com',
    trustDomain: 'auth.example.com',
    certificateTtl: 3600,
    intermediateTtl: 30 * 86_400,
  });
  await ca.sync();
  const agentId = 'agt_bench';
  await store.createAgent(
    { id: agentId, name: 'bench', owner: 'bench', description: '', status: 'active', scopes: [], resources: [], grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'private_key_jwt', accessTokenTtl: null, labels: {}, jwksUri: null, registrationAccessTokenHash: null },
    [],
    Date.now(),
  );
  return { ca, agentId, close: async () => { await audit.close(); await store.close(); } };
}

/** Issues as many certificates as it can for `seconds`, `concurrency` requests in flight. */
async function measureApi(ca, agentId, csrPem, seconds, concurrency) {
  const deadline = performance.now() + seconds * 1000;
  let issued = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await ca.issueForAgent(agentId, csrPem);
      issued++;
    }
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return { wall: issued / ((performance.now() - start) / 1000), cpu: issued / ((used.user + used.system) / 1e6) };
}

/** CPU seconds used by waited-for children (/proc/self/stat cutime + cstime), or undefined off Linux. */
function childCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5), counted from 1, are the 14th and 15th after the command name.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** `openssl x509 -req` once per certificate, as a shell CA would, with the same profile. */
function measureOpenssl(dir, runs) {
  const sh = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/O=bench/CN=issuing', '-days', '30']);
  writeFileSync(
    join(dir, 'svid.cnf'),
    ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth', 'subjectAltName=critical,URI:spiffe://auth.example.com/agent/agt_bench', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid', 'crlDistributionPoints=URI:https://auth.example.com/ca/v1/crl'].join('\n'),
  );
  const args = (i) => ['x509', '-req', '-in', 'bench.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${(i + 1).toString(16).padStart(32, '1')}`, '-days', '1', '-extfile', 'svid.cnf', '-out', `leaf.pem`];
  sh(args(0));
  const start = performance.now();
  const cpu = childCpuSeconds();
  for (let i = 0; i < runs; i++) sh(args(i));
  const used = cpu === undefined ? undefined : (childCpuSeconds() ?? 0) - cpu;
  return { wall: runs / ((performance.now() - start) / 1000), cpu: used === undefined || used <= 0 ? undefined : runs / used };
}

/**
 * Measures both and returns `{ apiPerSecond, opensslPerSecond, ratio, pinned }`; `ratio` is how many
 * times cheaper one certificate is through the CA API than through a per-request openssl.
 */
export async function measureCaIssuance(options = {}) {
  const seconds = options.seconds ?? setting('BENCH_CA_SECONDS', 5);
  const opensslRuns = options.opensslRuns ?? setting('BENCH_CA_OPENSSL_RUNS', 100);
  const concurrency = options.concurrency ?? setting('BENCH_CA_CONCURRENCY', 64);
  const pinned = options.pin === false ? false : pinToOneCore();
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-bench-ca-'));
  try {
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'bench.key', '-out', 'bench.csr', '-subj', '/CN=bench'], { cwd: dir, stdio: 'ignore' });
    const csrPem = execFileSync('openssl', ['req', '-in', 'bench.csr'], { cwd: dir, encoding: 'utf8' });
    const { ca, agentId, close } = await startCa(dir);
    try {
      progress(`warm-up (${pinned ? 'pinned to core 0' : 'not pinned: taskset unavailable'})`);
      await measureApi(ca, agentId, csrPem, 1, concurrency);
      progress(`CA API: ${seconds} s, ${concurrency} requests in flight`);
      const api = await measureApi(ca, agentId, csrPem, seconds, concurrency);
      progress(`openssl x509 -req: ${opensslRuns} runs`);
      const openssl = measureOpenssl(dir, opensslRuns);
      return {
        apiPerSecond: api.wall,
        apiPerCpuSecond: api.cpu,
        opensslPerSecond: openssl.wall,
        opensslPerCpuSecond: openssl.cpu,
        ratio: api.wall / openssl.wall,
        cpuRatio: openssl.cpu === undefined ? undefined : api.cpu / openssl.cpu,
        pinned,
      };
    } finally {
      await close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines `bench/run.js` prints. */
export function renderCaIssuance(result) {
  const perCpu = (value) => (value === undefined ? 'n/a' : `${value.toFixed(0)}/CPU-s`);
  return [
    `certificate issuance (CSR in, chain out, one core${result.pinned ? '' : ', unpinned'}):`,
    `  agentauth CA API        ${result.apiPerSecond.toFixed(0)} certificates/s wall, ${perCpu(result.apiPerCpuSecond)} (target >= 2000)`,
    `  openssl x509 -req       ${result.opensslPerSecond.toFixed(0)} certificates/s wall, ${perCpu(result.opensslPerCpuSecond)} (one process per request)`,
    `  ratio                   ${result.ratio.toFixed(1)}x cheaper per certificate by wall time, ${result.cpuRatio === undefined ? 'n/a' : `${result.cpuRatio.toFixed(1)}x`} by CPU time (target >= 10x)`,
  ].join('\n');
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const result = await measureCaIssuance();
  process.stdout.write(`${renderCaIssuance(result)}\n`);
}
