import type { Thresholds } from './anomaly-thresholds.js';
import { DAY_MS, HOUR_MS, RateBuckets } from './rate-buckets.js';

/** The baseline's memory, in days: every EWMA spans this many days of the same bucket. */
export const BASELINE_DAYS = 14;
/** Most distinct networks, resources and scopes remembered per agent; past it, nothing new is learned or flagged. */
export const MAX_KNOWN = 512;

/**
 * What one agent usually does (docs/monitoring.md, "Anomalies"), built from its audit records
 * alone: token requests per hour of day, the hours of day it is active in, its source networks,
 * resources and scopes, its refusals, token exchanges and certificates. Plain counts and sets,
 * so every anomaly can be explained from them and rebuilt by replaying the log.
 */
export class AgentBaseline {
  /** The time of the agent's first observed record: learning lasts from here. */
  readonly firstSeen: number;
  /** Token requests (issued or refused), per hour, EWMA per hour of day. */
  readonly requests = new RateBuckets(HOUR_MS, 24, BASELINE_DAYS);
  /** Hours of day (UTC) with at least one token issued. */
  readonly activeHours = new Set<number>();
  readonly networks = new Set<string>();
  readonly resources = new Set<string>();
  readonly scopes = new Set<string>();
  /** Refusals per refusal window, EWMA over the last days' windows. */
  readonly refusals: RateBuckets;
  /** Token exchanges made by the agent, per hour. */
  readonly exchanges = new RateBuckets(HOUR_MS, 1, BASELINE_DAYS * 24);
  /** The longest `act` chain of the agent's exchanges seen. */
  maxDepth = 0;
  /** Certificates issued, per day. */
  readonly certificates = new RateBuckets(DAY_MS, 1, BASELINE_DAYS);

  constructor(firstSeen: number, thresholds: Pick<Thresholds, 'refusalWindowSeconds'>) {
    this.firstSeen = firstSeen;
    const window = thresholds.refusalWindowSeconds * 1000;
    this.refusals = new RateBuckets(window, 1, Math.round((BASELINE_DAYS * DAY_MS) / window));
  }
}

/** Adds `value` to a bounded set; true when it was new and there was room. */
export function learn(set: Set<string>, value: string): boolean {
  if (set.has(value) || set.size >= MAX_KNOWN) return false;
  set.add(value);
  return true;
}
