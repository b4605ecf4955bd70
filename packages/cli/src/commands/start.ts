import type { CliIo } from '../io.js';

/**
 * `agentauth start [server flags...]`: hands every argument, unparsed, to the server package's
 * `runServer`, which owns its flags and its help. The server is imported only here, so the other
 * commands never pay for loading it.
 */
export async function runStart(args: string[], io: CliIo): Promise<number> {
  const server = await io.loadServer();
  return server.runServer(['start', ...args], io.env);
}

/**
 * `agentauth master-key rotate [server flags...]`: the server package's `rotate-master-key`, which
 * opens the database itself (not through the admin API: every node is stopped while it runs) and
 * reads the new key from standard input (docs/deploy.md, "Rotating the master key").
 */
export async function runMasterKeyRotate(args: string[], io: CliIo): Promise<number> {
  const server = await io.loadServer();
  return server.runServer(['rotate-master-key', ...args], io.env);
}
