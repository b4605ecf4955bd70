// agentauth, started from its built command line in a child process with a fresh data directory
// (SQLite with durable audit, in-memory replay cache: the defaults), and the benchmark agent
// registered through the admin API.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, removeAtExit, spawnNode, waitForHttp } from '../processes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The server's own bin, then the CLI's `start`, whichever the build produced. */
const ENTRY_POINTS = [
  ['packages/server/dist/bin/agentauth-server.js', 'start'],
  ['packages/cli/dist/bin/agentauth.js', 'start'],
];

/** The built entry point, or undefined when nothing is built yet. */
export function agentauthEntryPoint() {
  const found = ENTRY_POINTS.find(([file]) => existsSync(join(ROOT, file)));
  return found && [join(ROOT, found[0]), found[1]];
}

/** The version in packages/server/package.json. */
export function agentauthVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'packages/server/package.json'), 'utf8')).version;
}

/**
 * Spawns the built agentauth pinned to `cpus` (undefined: unpinned) with `workers` processes, a
 * fresh data directory and bootstrap token, further settings in `env` (AGENTAUTH_* variables),
 * and resolves once it is ready: `base`, the metadata, `register(body)` (an agent through the admin API, owner `bench`; resolves to it) and `stop`.
 */
export async function spawnAgentauth({ cpus, workers = 1, env = {} }) {
  const entry = agentauthEntryPoint();
  if (!entry) throw new Error('agentauth is not built: no ' + ENTRY_POINTS.map(([file]) => file).join(' or ') + ' (run `npm run build`)');
  const port = await freePort();
  const bootstrapToken = randomBytes(32).toString('base64url'); // 43 characters
  const handle = spawnNode(entry, {
    label: workers > 1 ? `agentauth --workers ${workers}` : 'agentauth',
    cpus,
    // Only these variables: no OTEL_* reaches the server, so it runs with tracing off, its default
    // (docs/monitoring.md, "Traces").
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      AGENTAUTH_DATA_DIR: removeAtExit(mkdtempSync(join(tmpdir(), 'agentauth-bench-'))),
      AGENTAUTH_HOST: '127.0.0.1',
      AGENTAUTH_PORT: String(port),
      AGENTAUTH_BOOTSTRAP_TOKEN: bootstrapToken,
      AGENTAUTH_MASTER_KEY: randomBytes(32).toString('base64'),
      AGENTAUTH_LOG_LEVEL: 'warn',
      AGENTAUTH_WORKERS: String(workers),
      // No mutual-TLS listener here (bench/mtls-token.js measures it): port 8443 may be taken.
      AGENTAUTH_MTLS_PORT: '0',
      ...env,
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/readyz`, handle);
  const metadata = await (await globalThis.fetch(`${base}/.well-known/oauth-authorization-server`)).json();
  const register = async (body) => {
    const response = await globalThis.fetch(`${base}/admin/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'bench', ...body }),
    });
    if (response.status !== 201) {
      await handle.stop();
      throw new Error(`agentauth: POST /admin/v1/agents answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    }
    return (await response.json()).agent;
  };
  /** An admin API call with the bootstrap token; resolves to the JSON answer, throws on a non-2xx. */
  const admin = async (method, path, body) => {
    const response = await globalThis.fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${bootstrapToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`agentauth: ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  return { base, metadata, register, admin, handle };
}

/**
 * Starts agentauth pinned to `cpus` (undefined: unpinned) with `workers` processes, registers one
 * agent with `publicJwk`, and resolves once it can issue tokens.
 */
export async function startAgentauth({ publicJwk, scope, resource, workers, cpus, env }) {
  const { base, metadata, register, admin, handle } = await spawnAgentauth({ cpus, workers, env });
  const agent = await register({ name: 'bench', scopes: [scope], resources: [resource], jwks: { keys: [publicJwk] } });
  return {
    name: workers > 1 ? `agentauth --workers ${workers}` : 'agentauth (1 process)',
    version: agentauthVersion(),
    base,
    issuer: metadata.issuer,
    tokenUrl: metadata.token_endpoint,
    clientId: agent.id,
    /** Admin API calls with the bootstrap token (`admin(method, path, body)`). */
    admin,
    /** What the server printed (last 8 KiB): warnings, or why it failed. */
    output: handle.output,
    stop: handle.stop,
  };
}
