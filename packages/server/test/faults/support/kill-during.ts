import { startServer, type RunningServer, type ServerHome } from './server-process.js';

/** What a request killed part-way got: its answer if it came before the kill, else nothing. */
export type KilledRequest = { answered: true; status: number; body: unknown } | { answered: false };

/**
 * Sends `send()` to the server, kills the process with SIGKILL `delayMs` after sending (or, given
 * `'answered'`, the moment the answer arrives), and starts a new process on the same data. The
 * delay is where the kill lands, not a wait for something to happen: a spread of delays lands it
 * before, inside and after the change's commit. Returns the new process and what the client was
 * told.
 */
export async function killDuring(home: ServerHome, server: RunningServer, send: () => Promise<Response>, delayMs: number | 'answered'): Promise<{ server: RunningServer; request: KilledRequest }> {
  let request: KilledRequest = { answered: false };
  const sent = send().then(
    async (response) => {
      const body: unknown = await response.json();
      request = { answered: true, status: response.status, body };
    },
    () => undefined,
  );
  if (delayMs === 'answered') await sent;
  else await new Promise((resolve) => setTimeout(resolve, delayMs));
  await server.kill9();
  // A body still arriving when the process died is a request the client never saw answered.
  await sent.catch(() => undefined);
  return { server: await startServer(home), request };
}
