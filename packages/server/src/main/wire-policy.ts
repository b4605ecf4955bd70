import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { PolicyDecider } from '../policy/policy-decider.js';
import { PolicyDirectory } from '../policy/policy-directory.js';
import { PolicyService } from '../policy/policy-service.js';
import type { Store } from '../store/store.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import type { Lifecycle } from './lifecycle.js';

/** How often a node reads the highest policy set version, to load changes other nodes made (ms). */
const POLICY_POLL_MS = 500;

/** The policy layer: the set in force, the decider every decision point asks, and the admin service. */
export interface Policies {
  directory: PolicyDirectory;
  decider: PolicyDecider;
  service: PolicyService;
}

/**
 * Loads the policy set in force before the first request (a node never decides under a set older
 * than the database's), then polls for changes made on other nodes: within a second everywhere.
 */
export async function wirePolicies(deps: { config: Config; clock: Clock; logger: Logger; store: Store; lifecycle: Lifecycle; metrics: ServerMetrics | undefined }): Promise<Policies> {
  const { config, store, logger } = deps;
  // The decider reads the directory and the directory clears the decider's cache on a change.
  const metrics = deps.metrics;
  const decider: PolicyDecider = new PolicyDecider({
    current: () => directory.current(),
    issuer: config.issuer,
    timeZone: config.policyTimeZone,
    ...(metrics === undefined ? {} : { onDecision: (action, allowed) => metrics.policyDecided(action, allowed) }),
  });
  const directory: PolicyDirectory = new PolicyDirectory(store, (set) => {
    decider.clear();
    logger.info({ version: set.version }, 'policy set loaded');
  });
  await directory.reload();
  const stop = directory.watch(POLICY_POLL_MS, (error) => logger.error({ err: error }, 'reloading the policy set failed'));
  deps.lifecycle.onClose('policy set watch', stop);
  const service = new PolicyService({ issuer: config.issuer, clock: deps.clock, store, agents: store, directory, decider });
  return { directory, decider, service };
}
