import { createInterface } from 'node:readline/promises';

import { abortableSleep, type CliIo, type ServerModule } from './io.js';

/**
 * The real process: stdout/stderr, the environment, global fetch, and an abort signal fired by
 * Ctrl-C (so `audit tail --follow` ends with status 0 instead of being killed).
 * A terminal prompt is offered only when stdin is a terminal.
 */
export function nodeIo(): CliIo {
  let interrupted: AbortController | undefined;
  const io: CliIo = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    fetch: globalThis.fetch,
    loadServer: async (): Promise<ServerModule> => await import('@agentauth/server'),
    sleep: abortableSleep,
    stderrIsTerminal: process.stderr.isTTY === true,
    // Installed only when a command asks (tail --follow): a SIGINT listener replaces Node's
    // default exit, so every other command must keep that default, and `start` has its own.
    get signal(): AbortSignal {
      if (interrupted === undefined) {
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        interrupted = controller;
      }
      return interrupted.signal;
    },
  };
  io.readStdin = async (maxBytes) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += bytes.length;
      if (size > maxBytes) throw new RangeError(`standard input is longer than ${maxBytes} bytes`);
      chunks.push(bytes);
    }
    return Buffer.concat(chunks).toString('utf8');
  };
  if (process.stdin.isTTY === true) {
    io.confirm = async (question) => {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await prompt.question(question)).trim());
      } finally {
        prompt.close();
      }
    };
  }
  return io;
}
