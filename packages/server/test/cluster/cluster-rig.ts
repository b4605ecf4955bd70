import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { freePort } from '../support/test-server.js';
import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from '../faults/support/server-process.js';

/** The machine's Redis (CI starts it beside PostgreSQL). */
export const REDIS_URL = process.env.AGENTAUTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** libfaketime as Debian installs it (`apt-get install faketime`). */
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * The environment that runs one node's process `seconds` off the real clock: libfaketime moves
 * the wall clock (`Date.now()`, what JWT times come from) and leaves the monotonic one alone, so
 * the node's timers still fire on time. A real process with a wrong clock, not an injected one.
 */
export function clockOffsetEnv(seconds: number): Record<string, string> {
  // Without the library the loader only warns, and the node would run on time unnoticed.
  if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: apt-get install faketime`);
  return { LD_PRELOAD: LIBFAKETIME, FAKETIME: `${seconds >= 0 ? '+' : ''}${seconds}s`, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' };
}

/** One server process of the cluster; its port, data directory and settings outlive a kill. */
export interface ClusterNode {
  index: number;
  /** Where this node listens (not the issuer: every node shares that). */
  url: string;
  home: ServerHome;
  running(): boolean;
  /** SIGKILL, no handler runs; resolves once the process is gone. */
  kill(): Promise<void>;
  /**
   * Starts the node again on the same port and settings, with `env` added to them from now on (a
   * clock offset, say); resolves once `/readyz` answers 200.
   */
  restart(env?: Record<string, string>): Promise<void>;
  /** SIGTERM, the orderly stop. */
  stop(): Promise<void>;
  /** What the current (or last) process printed. */
  output(): string;
}

export interface ClusterOptions {
  /** How many server processes. Default 3. */
  nodes?: number;
  /** Share the machine's Redis (replay caches, rate limits). Default true. */
  redis?: boolean;
  /** Extra AGENTAUTH_* (or process) settings for every node. */
  env?: Record<string, string>;
  /** Extra settings for one node, by index (a clock offset, say). */
  nodeEnv?: (index: number) => Record<string, string>;
}

/** Several real server processes on one fresh PostgreSQL database, as one deployment. */
export interface Cluster {
  /**
   * The one issuer every node is configured with: the address a load balancer in front of the
   * nodes would have. Nothing listens there; clients sign for it and send to any node.
   */
  issuer: string;
  nodes: ClusterNode[];
  databaseUrl: string;
  /** The Redis URL the nodes share, when `redis` was on. */
  redisUrl?: string;
  /** The nodes running now. */
  live(): ClusterNode[];
  /** Stops every node and drops the database. */
  stop(): Promise<void>;
}

/**
 * A Redis logical database of this run's own, 1 to 15 (0 is what the in-process tests share): the
 * server names its Redis keys itself (`agentauth:replay:`, `agentauth:limit:`), so a run cannot
 * give them a prefix, and a rig's deliberate replays and failures must not count against the
 * brute-force limits of tests running beside it.
 */
function redisDatabase(): string {
  const url = new URL(REDIS_URL);
  url.pathname = `/${randomInt(1, 16)}`;
  return url.toString();
}

/**
 * Starts `nodes` server processes (`agentauth-server start`, the built command) on one fresh
 * PostgreSQL database and, by default, the machine's Redis, each on its own port, all with the same
 * issuer, master key and bootstrap token (what docs/operations.md says several nodes need). Node 0
 * starts first and runs the migrations; the others then start together. Resolves once every node
 * answers `/readyz` 200.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new TypeError('nodes must be a positive integer');
  const database = await createPostgresDatabase();
  const issuer = `http://127.0.0.1:${await freePort()}`;
  const redisUrl = options.redis === false ? undefined : redisDatabase();
  const shared: Record<string, string> = {
    AGENTAUTH_ISSUER: issuer,
    // The fault tests' window: a small one keeps a kill's in-flight batch small.
    AGENTAUTH_AUDIT_FLUSH_INTERVAL: '2',
    ...(redisUrl === undefined ? {} : { AGENTAUTH_REDIS_URL: redisUrl }),
    ...options.env,
  };
  const nodes: ClusterNode[] = [];
  for (let index = 0; index < count; index++) {
    const home = await createServerHome({ databaseUrl: database.url, env: { ...shared, ...options.nodeEnv?.(index) } });
    nodes.push(clusterNode(index, home));
  }
  try {
    await nodes[0]!.restart();
    await Promise.all(nodes.slice(1).map((node) => node.restart()));
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    await Promise.all(nodes.map((node) => removeServerHome(node.home)));
    await database.drop();
    throw error;
  }
  return {
    issuer,
    nodes,
    databaseUrl: database.url,
    ...(redisUrl === undefined ? {} : { redisUrl }),
    live: () => nodes.filter((node) => node.running()),
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      await Promise.all(nodes.map((node) => removeServerHome(node.home)));
      await database.drop();
    },
  };
}

function clusterNode(index: number, home: ServerHome): ClusterNode {
  let server: RunningServer | undefined;
  let lastOutput = '';
  const alive = () => server !== undefined && server.child.exitCode === null && server.child.signalCode === null;
  return {
    index,
    url: home.url,
    home,
    running: alive,
    async kill() {
      if (server === undefined) return;
      await server.kill9();
      lastOutput = server.output();
      server = undefined;
    },
    async restart(env) {
      if (alive()) throw new Error(`node ${index} is running: kill or stop it first`);
      Object.assign(home.env, env);
      server = await startServer(home);
    },
    async stop() {
      if (server === undefined) return;
      await server.stop();
      lastOutput = server.output();
      server = undefined;
    },
    output: () => server?.output() ?? lastOutput,
  };
}
