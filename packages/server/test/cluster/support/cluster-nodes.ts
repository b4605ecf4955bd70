import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from '../../faults/support/server-process.js';

/**
 * Several real server processes on one PostgreSQL database: a cluster as docs/operations.md
 * describes it (one database, and the same master key, bootstrap token and issuer on every node),
 * each node with its own port and data directory. The issuer is the first node's URL, so client
 * assertions name it whichever node they are sent to.
 */
export interface ClusterNodes {
  issuer: string;
  homes: ServerHome[];
  servers: RunningServer[];
  /** The nodes' URLs, in order. */
  urls: string[];
  /** Stops every node (SIGTERM) and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts `count` nodes on `databaseUrl`, one after the other (the first runs the migrations and
 * creates the keys the others load), each resolved once its `/readyz` answers 200.
 */
export async function startClusterNodes(count: number, databaseUrl: string, env: Record<string, string> = {}): Promise<ClusterNodes> {
  const homes: ServerHome[] = [];
  for (let i = 0; i < count; i++) homes.push(await createServerHome({ databaseUrl }));
  const issuer = (homes[0] as ServerHome).url;
  for (const home of homes) home.env = { AGENTAUTH_ISSUER: issuer, ...env };
  const servers: RunningServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(homes.map((home) => removeServerHome(home)));
  };
  try {
    for (const home of homes) servers.push(await startServer(home));
  } catch (error) {
    await stop();
    throw error;
  }
  return { issuer, homes, servers, urls: homes.map((home) => home.url), stop };
}
