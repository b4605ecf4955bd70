import { vi } from 'vitest';
import { PollWaiters } from '../../src/signals/poll-waiters.js';

/** The longest delay `setTimeout` takes (~24.8 days); a longer one fires at once. */
const NEVER_MS = 2_147_483_647;

/** See {@link onlyWakeUpsEndLongPolls}. */
export interface LongPollWakeUps {
  /** Resolves once a long poll of `streamId` is held open (waiting, nothing queued for it). */
  held(streamId: string): Promise<void>;
  /** Puts the waits' own timeouts back (for waits begun from now on). */
  restore(): void;
}

/**
 * Makes a long poll held open by this process's transmitter (RFC 8936 §2.4, `returnImmediately:
 * false`) end only when something wakes it: every `PollWaiters.wait` begun while this is in force
 * loses its timeout, that is the periodic recheck of the shared queue (~500 ms) and the hold's own
 * end (30 s). A SET queued on this node then reaches a held poll through the wake-up
 * (`PollWaiters.notify`) or not at all, so a test asserts the wake-up without a clock: broken, the
 * poll is never answered, and the test fails on its own timeout, however busy the machine.
 * Aborts (a client that hung up) and the server's shutdown still end a wait.
 */
export function onlyWakeUpsEndLongPolls(): LongPollWakeUps {
  const wait = PollWaiters.prototype.wait;
  const waiting = new Map<string, number>();
  const listeners = new Map<string, (() => void)[]>();
  const spy = vi.spyOn(PollWaiters.prototype, 'wait').mockImplementation(function (this: PollWaiters, streamId: string, _timeoutMs: number, signal?: AbortSignal) {
    const done = wait.call(this, streamId, NEVER_MS, signal);
    waiting.set(streamId, (waiting.get(streamId) ?? 0) + 1);
    for (const listener of listeners.get(streamId) ?? []) listener();
    listeners.delete(streamId);
    void done.then(() => waiting.set(streamId, (waiting.get(streamId) ?? 1) - 1));
    return done;
  });
  return {
    held(streamId) {
      if ((waiting.get(streamId) ?? 0) > 0) return Promise.resolve();
      return new Promise((resolve) => listeners.set(streamId, [...(listeners.get(streamId) ?? []), resolve]));
    },
    restore: () => spy.mockRestore(),
  };
}
