import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The CLI's helper: the built `agentauth start` as a real child process.
import { freePort, startServerProcess, type ServerProcess } from '../../../cli/test/helpers/server-process.js';

export const BOOTSTRAP = 'client-e2e-bootstrap-token-0123456789abcdefghij';

/** A real agentauth server process on a data directory that survives restarts. */
export interface AgentAuthProcess {
  issuer: string;
  dataDir: string;
  current: ServerProcess;
  /** Stops the process (the data directory stays). */
  stop(): Promise<void>;
  /** Starts a new process on the same data directory and port. */
  start(): Promise<void>;
  /** Stops it and removes the data directory. */
  close(): Promise<void>;
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  createAgent(body?: Record<string, unknown>): Promise<string>;
  enrollmentToken(agentId: string): Promise<string>;
}

/** Starts `agentauth start` with a bootstrap token, on its own port and data directory. */
export async function startAgentAuth(env: Record<string, string> = {}): Promise<AgentAuthProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentauth-client-e2e-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const fullEnv = { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_DATA_DIR: dataDir, AGENTAUTH_PORT: String(port), AGENTAUTH_ISSUER: issuer, AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0', ...env };
  const handle: AgentAuthProcess = {
    issuer,
    dataDir,
    current: await startServerProcess({ env: fullEnv }),
    async stop() {
      await handle.current.stop();
    },
    async start() {
      handle.current = await startServerProcess({ env: fullEnv });
    },
    async close() {
      await handle.current.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${issuer}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${BOOTSTRAP}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`admin ${method} ${path}: HTTP ${response.status} ${text}`);
      return (text === '' ? {} : JSON.parse(text)) as T;
    },
    async createAgent(body = {}) {
      const created = await handle.admin<{ agent: { id: string } }>('POST', '/agents', {
        name: 'sdk-e2e',
        owner: 'team-sdk',
        scopes: ['orders:read', 'orders:write'],
        resources: ['https://api.example.com'],
        ...body,
      });
      return created.agent.id;
    },
    async enrollmentToken(agentId: string) {
      return (await handle.admin<{ token: string }>('POST', `/agents/${agentId}/enrollment-tokens`, {})).token;
    },
  };
  return handle;
}

/** A fetch that counts the requests to each path. */
export function countingFetch(): { fetch: typeof fetch; count(path: string): number; reset(): void } {
  const counts = new Map<string, number>();
  return {
    fetch: (input, init) => {
      const path = new URL(input instanceof Request ? input.url : input).pathname;
      counts.set(path, (counts.get(path) ?? 0) + 1);
      return fetch(input, init);
    },
    count: (path) => counts.get(path) ?? 0,
    reset: () => counts.clear(),
  };
}
