import { until } from '../../support/until.js';
import type { RunningServer } from './server-process.js';
import type { TokenLoad } from './token-load.js';

/**
 * `until` for servers under storage faults: fails at once when a server process exited, or when a
 * token request was answered anything but 200 or 503. Getters, since the test's servers and load
 * are set in hooks.
 */
export function whileServing(servers: () => RunningServer | readonly RunningServer[], load: () => TokenLoad | undefined) {
  return (condition: () => boolean | Promise<boolean>, intervalMs?: number) =>
    until(async () => {
      for (const server of ([] as RunningServer[]).concat(servers())) {
        const child = server.child;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`a server exited (${child.exitCode ?? child.signalCode}):\n${server.output()}`);
      }
      const wrong = load()?.refusals.find((r) => r.status !== 503);
      if (wrong !== undefined) throw new Error(`a token request to ${wrong.node} was answered ${wrong.status} ${wrong.error ?? ''}`);
      return condition();
    }, intervalMs);
}

/** The refusals that were not what a storage fault must answer: 503 temporarily_unavailable with Retry-After. */
export function refusalsOtherThanUnavailable(load: TokenLoad): TokenLoad['refusals'] {
  return load.refusals.filter((r) => !(r.status === 503 && r.error === 'temporarily_unavailable' && r.retryAfter === '5'));
}
