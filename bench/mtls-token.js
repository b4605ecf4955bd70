// Token requests over mutual TLS (RFC 8705): POST /token with `tls_client_auth` on the
// mTLS listener, keep-alive connections (the TLS handshake, and the parse of the client
// certificate, are paid once per connection, as a real agent pays them), each token bound to the
// certificate (`tls_client_certificate_bound_access_tokens`). The server runs in a child process
// on its own core; the PKI (root, server and client certificates) is made with openssl and given
// to the server as an operator-supplied certificate and trust anchor.
//
// Run alone: `npm run build && node bench/mtls-token.js` (BENCH_DURATION, BENCH_CONNECTIONS).
// `bench/run.js` calls `measureMtlsToken()` too.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { percentile } from './percentile.js';
import { agentauthEntryPoint } from './peers/agentauth.js';
import { canPin, freePort, removeAtExit, spawnNode, waitForHttp } from './processes.js';

const RESOURCE = 'https://api.example.com';
const SCOPE = 'orders:read';

function setting(name, fallback) {
  const value = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

/** Root CA, a server certificate for 127.0.0.1 and a client certificate naming `uri`, by openssl. */
function makePki(dir, uri) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name) => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  key('root');
  run('req', '-new', '-x509', '-key', 'root.key', '-subj', '/CN=bench root', '-days', '2', '-out', 'root.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  const leaf = (name, ext) => {
    key(name);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), `[v3]\n${ext.join('\n')}\n`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'root.pem', '-CAkey', 'root.key', '-set_serial', String(Date.now()), '-days', '1', '-extfile', `${name}.ext`, '-extensions', 'v3', '-out', `${name}.pem`);
  };
  leaf('server', ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1']);
  leaf('client', ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth', `subjectAltName=URI:${uri}`]);
  const read = (name) => readFileSync(join(dir, name), 'utf8');
  return { root: read('root.pem'), clientCert: read('client.pem'), clientKey: read('client.key') };
}

/** One POST over the keep-alive agent; resolves to the status code. */
function post(options, body) {
  return new Promise((resolve) => {
    const req = request(options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/**
 * Starts agentauth with its mTLS listener, registers a `tls_client_auth` agent that gets
 * certificate-bound tokens, and measures token requests/s for `durationSeconds` with
 * `connections` keep-alive connections (each one request in flight). Resolves to the figures.
 */
export async function measureMtlsToken({ durationSeconds = setting('BENCH_DURATION', 10), connections = setting('BENCH_CONNECTIONS', 32), serverCpu = '0' } = {}, progress = () => {}) {
  const entry = agentauthEntryPoint();
  if (!entry) throw new Error('agentauth is not built (npm run build)');
  const dir = removeAtExit(mkdtempSync(join(tmpdir(), 'agentauth-bench-mtls-')));
  const uri = 'spiffe://bench.example/agent/mtls';
  const pki = makePki(dir, uri);
  const [port, mtlsPort] = [await freePort(), await freePort()];
  const bootstrapToken = randomBytes(32).toString('base64url');
  const handle = spawnNode(entry, {
    label: 'agentauth (mTLS)',
    cpus: canPin ? serverCpu : undefined,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      AGENTAUTH_DATA_DIR: join(dir, 'data'),
      AGENTAUTH_HOST: '127.0.0.1',
      AGENTAUTH_PORT: String(port),
      AGENTAUTH_MTLS_PORT: String(mtlsPort),
      AGENTAUTH_MTLS_CERT_FILE: join(dir, 'server.pem'),
      AGENTAUTH_MTLS_KEY_FILE: join(dir, 'server.key'),
      AGENTAUTH_MTLS_TRUST_ANCHORS: join(dir, 'root.pem'),
      AGENTAUTH_BOOTSTRAP_TOKEN: bootstrapToken,
      AGENTAUTH_MASTER_KEY: randomBytes(32).toString('base64'),
      AGENTAUTH_LOG_LEVEL: 'warn',
    },
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, handle);
    const created = await globalThis.fetch(`http://127.0.0.1:${port}/admin/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bench-mtls',
        owner: 'bench',
        scopes: [SCOPE],
        resources: [RESOURCE],
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_san_uri: uri,
        tls_client_certificate_bound_access_tokens: true,
      }),
    });
    if (created.status !== 201) throw new Error(`POST /admin/v1/agents answered ${created.status}: ${await created.text()}`);
    const clientId = (await created.json()).agent.id;
    const agent = new Agent({ keepAlive: true, maxSockets: connections, ca: pki.root, cert: pki.clientCert, key: pki.clientKey });
    const options = { host: '127.0.0.1', port: mtlsPort, path: '/token', method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    const body = new globalThis.URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope: SCOPE, resource: RESOURCE }).toString();

    // One request first: it must succeed, or the figures mean nothing.
    const first = await post(options, body);
    if (first !== 200) throw new Error(`the mTLS token request answered ${first}: ${handle.output()}`);

    const run = async (seconds) => {
      const latencies = [];
      const statusCodes = {};
      const deadline = performance.now() + seconds * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < deadline) {
            const t0 = performance.now();
            const status = await post(options, body);
            latencies.push(performance.now() - t0);
            statusCodes[status] = (statusCodes[status] ?? 0) + 1;
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const ok = statusCodes[200] ?? 0;
      return { tokensPerSecond: ok / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), requests: latencies.length, failures: latencies.length - ok, statusCodes };
    };
    progress(`mTLS warm-up (${connections} keep-alive connections)`);
    await run(Math.min(3, durationSeconds));
    progress(`mTLS measuring ${durationSeconds} s`);
    const result = await run(durationSeconds);
    agent.destroy();
    return { ...result, connections, durationSeconds, pinned: canPin };
  } finally {
    await handle.stop();
  }
}

/** The result as a few lines for the report. */
export function renderMtlsToken(result) {
  const failed = result.failures > 0 ? `, FAILED ${result.failures} ${JSON.stringify(result.statusCodes)}` : '';
  return [
    'POST /token over mutual TLS (RFC 8705 tls_client_auth, certificate-bound tokens, keep-alive):',
    `  agentauth (1 process${result.pinned ? ', one core' : ''}): ${result.tokensPerSecond.toFixed(0)} tokens/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.connections} connections${failed}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await measureMtlsToken({}, (message) => process.stderr.write(`[bench:mtls] ${message}\n`));
  process.stdout.write(renderMtlsToken(result) + '\n');
}
