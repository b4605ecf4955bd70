import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The CLI's helpers: the README's `sh` blocks, one long-lived bash, the built `agentauth start`.
import { readmeBlocks, type ReadmeBlock } from '../../../cli/test/helpers/readme-commands.js';
import { freePort, ROOT, startServerProcess, type ServerProcess } from '../../../cli/test/helpers/server-process.js';
import { ShellSession, type ShellResult } from '../../../cli/test/helpers/shell-session.js';

/** The server's URL as the READMEs write it (the default of `npm start`). */
const README_ISSUER = 'http://127.0.0.1:8080';

/**
 * An example README's "Run it" section, run as a newcomer runs it: in a directory laid out as the
 * repository's root (the examples copied, `node_modules` this checkout's, so no `npm ci` per
 * example), with agentauth started there as `npm start` would (its data, bootstrap token
 * included, in `./.agentauth`), and one shell for the second terminal the README opens.
 */
export interface ReadmeSession {
  blocks: ReadmeBlock[];
  server: ServerProcess;
  /** The directory the commands run in. */
  dir: string;
  /** Where each service the README names (by its README URL) really listens. */
  urls: Record<string, string>;
  /** The last `agt_...` id a command printed, as a reader copies it into the next one. */
  agentId: string;
  /**
   * Runs step `n`'s commands, each of which must succeed, and returns what each printed. A
   * command ending in `&` starts a service in the background: the step waits for its `ready` line.
   */
  step(n: number, ready?: RegExp): Promise<ShellResult[]>;
  /** Runs one command as a reader would type it (URLs and ids filled in); its status is the caller's to judge. */
  run(command: string): Promise<ShellResult>;
  /** Runs `command` again until `done` holds for what it printed: for what the README says takes "about a second". */
  runUntil(command: string, done: (result: ShellResult) => boolean): Promise<ShellResult>;
  /** Stops what the README left running in the background, then agentauth, and removes the directory. */
  close(): Promise<void>;
}

/** Starts agentauth and a shell for `readme` (relative to the repository), at the heading `## Run it`. */
export async function startReadmeSession(readme: string, serviceUrls: string[]): Promise<ReadmeSession> {
  const blocks = readmeBlocks(join(ROOT, readme), '## Run it');
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-readme-'));
  // Copied, not linked: the examples check `import.meta.url` against the path they were run as.
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  // `stop()` removes `dir` (the links, never what they point to).
  const server = await startServerProcess({ cwd: dir });
  const urls: Record<string, string> = { [README_ISSUER]: server.url };
  for (const url of serviceUrls) urls[url] = `http://127.0.0.1:${await freePort()}`;
  const shell = new ShellSession(dir, { ...newcomerEnv(), AGENTAUTH_URL: server.url });

  const fillIn = (command: string): string => {
    let filled = command;
    for (const [written, real] of Object.entries(urls)) filled = filled.replaceAll(written, real);
    return session.agentId === '' ? filled : filled.replaceAll('agt_...', session.agentId);
  };
  const remember = (result: ShellResult): void => {
    const id = /^id:\s+(agt_\S+)$/m.exec(result.stdout)?.[1];
    if (id !== undefined) session.agentId = id;
  };

  const session: ReadmeSession = {
    blocks,
    server,
    dir,
    urls,
    agentId: '',
    async step(n, ready) {
      const block = blocks.find((candidate) => candidate.step.startsWith(`**${n}.`));
      if (block === undefined) throw new Error(`${readme} has no step ${n}`);
      const results: ShellResult[] = [];
      for (const written of block.commands) {
        const result = await shell.run(fillIn(written));
        if (result.status !== 0) throw new Error(`${readme} ${block.step} \`${written}\` exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
        if (written.endsWith('&')) {
          if (ready === undefined) throw new Error(`${readme} ${block.step} starts a service: say what line it prints once ready`);
          await shell.waitForOutput(ready);
        }
        remember(result);
        results.push(result);
      }
      return results;
    },
    async run(command) {
      const result = await shell.run(fillIn(command));
      remember(result);
      return result;
    },
    async runUntil(command, done) {
      // Bounded only as a safety net: the condition, not the time, ends the wait.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const result = await session.run(command);
        if (done(result) || Date.now() > deadline) return result;
      }
    },
    async close() {
      try {
        // What a reader's `kill %1` did not stop yet, and then wait for every job to exit.
        await shell.run('kill $(jobs -p) 2>/dev/null; wait', 60_000);
      } finally {
        shell.close();
        await server.stop();
      }
    },
  };
  return session;
}

/**
 * This process's environment as a newcomer's shell has it: no AGENTAUTH_* setting, nothing of the
 * test runner, and no model provider's key, so the AI example takes its mock model.
 */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const dropped = (name: string) => name.startsWith('AGENTAUTH_') || name.startsWith('VITEST') || ['NODE_ENV', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'AI_MODEL'].includes(name);
  for (const [name, value] of Object.entries(process.env)) if (!dropped(name)) env[name] = value;
  return env;
}
