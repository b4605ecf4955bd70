import { until } from '../../support/until.js';
import type { RunningServer } from './server-process.js';
import type { TokenLoad } from './token-load.js';

/**
 * `until` for a server under storage faults: fails at once when the server process exited, or
 * when a token request was answered anything but 200 or 503. Getters, since the test's server and
 * load are set in hooks.
 */
export function whileServing(server: () => RunningServer, load: () => TokenLoad | undefined) {
  return (condition: () => boolean | Promise<boolean>, intervalMs?: number) =>
    until(async () => {
      const child = server().child;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}):\n${server().output()}`);
      const wrong = load()?.refusals.find((r) => r.status !== 503);
      if (wrong !== undefined) throw new Error(`a token request was answered ${wrong.status} ${wrong.error ?? ''}`);
      return condition();
    }, intervalMs);
}

/** The refusals that were not what a storage fault must answer: 503 temporarily_unavailable with Retry-After. */
export function refusalsOtherThanUnavailable(load: TokenLoad): TokenLoad['refusals'] {
  return load.refusals.filter((r) => !(r.status === 503 && r.error === 'temporarily_unavailable' && r.retryAfter === '5'));
}
