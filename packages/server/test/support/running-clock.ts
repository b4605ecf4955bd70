import { FrozenClock } from '../../src/clock.js';

/**
 * A clock that runs with the real one, and that a test can still set or move forward: for servers
 * that independent clients (SDKs, examples, standards clients) talk to, which sign and check
 * times on their own clocks. A frozen clock there drifts behind them by however long a loaded
 * machine takes between the server's start and the request, until their assertions look issued
 * in the future.
 */
export class RunningClock extends FrozenClock {
  private offset = 0;

  override now(): number {
    return Date.now() + this.offset;
  }

  override set(ms: number): void {
    this.offset = ms - Date.now();
  }

  override advance(ms: number): void {
    this.offset += ms;
  }
}
