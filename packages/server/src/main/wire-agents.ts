import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { AgentService } from '../agents/agent-service.js';
import type { Clock } from '../clock.js';
import { isAgentChangedNotice, type AgentChangedNotice } from '../cluster-notice.js';
import type { Config } from '../config/config.js';
import type { FanOut } from '../fan-out/redis-fan-out.js';
import type { RemoteJwks } from '../net/remote-jwks.js';
import { ClientDirectory } from '../oauth/client-directory.js';
import type { Random } from '../random.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import type { Store } from '../store/store.js';
import type { RegistrationPolicy } from '../agents/registration-policy.js';
import type { Lifecycle } from './lifecycle.js';

/** How often a node reads the agents' change counter, to see changes other nodes made (ms). */
const AGENT_CHANGE_POLL_MS = 500;
/** How often the agents' last-seen times are written, in one batch (ms). */
const LAST_SEEN_FLUSH_MS = 5_000;

/** The agent registry as the rest of the server uses it. */
export interface Agents {
  /** Agents and their credentials from memory: the token endpoint's view. */
  directory: ClientDirectory;
  /** Every change to an agent (admin API, registration, enrolment). */
  service: AgentService;
  /** Notes that a client authenticated at `now`; written in batches. */
  seen(clientId: string, now: number): void;
}

/**
 * The registry and who hears of its changes. A change made on this process drops the agent from
 * this process's cache at once, and from every other worker's through the cluster primary; other
 * nodes drop it when `fanOut` tells them (with Redis: at once), and within `AGENT_CHANGE_POLL_MS`
 * through the change counter whatever happens to the message (`poll: false`, for tests only,
 * leaves them to the fan-out alone). Changes that revoke
 * credentials are published on `events` by the service itself (see wire-events.ts for who listens).
 */
export function wireAgents(deps: {
  config: Config;
  clock: Clock;
  random: Random;
  logger: Logger;
  store: Store;
  events: RevocationEvents;
  remoteJwks: RemoteJwks;
  registrationPolicy: RegistrationPolicy;
  fanOut: FanOut;
  poll: boolean;
  lifecycle: Lifecycle;
}): Agents {
  const { clock, logger, store, lifecycle } = deps;
  const directory = new ClientDirectory(store, () => clock.now(), undefined, deps.remoteJwks);
  if (deps.poll) lifecycle.onClose('agent change poll', directory.watch(AGENT_CHANGE_POLL_MS, (error) => logger.error({ err: error }, 'agent change poll failed')));

  const onAgentChanged = (agentId: string) => {
    directory.invalidate(agentId);
    deps.fanOut.publish({ kind: 'agent_changed', agentId });
    if (cluster.isWorker && process.send) process.send({ agentauth: 'agent-changed', agentId } satisfies AgentChangedNotice);
  };
  if (cluster.isWorker) {
    // The primary relays every worker's notices to all of them (run-server.ts).
    const onMessage = (message: unknown) => {
      if (isAgentChangedNotice(message)) directory.invalidate(message.agentId);
    };
    process.on('message', onMessage);
    lifecycle.onClose('cluster agent notices', () => process.off('message', onMessage));
  }
  const service = new AgentService({ clock, random: deps.random, store, onAgentChanged, events: deps.events, trustDomain: deps.config.trustDomain, registrationPolicy: deps.registrationPolicy });

  const lastSeen = new Map<string, number>();
  const flushLastSeen = () => {
    if (lastSeen.size === 0) return;
    const batch = new Map(lastSeen);
    lastSeen.clear();
    store.touchAgents(batch).catch((error: unknown) => logger.warn({ err: error }, 'last-seen update failed'));
  };
  const timer = setInterval(flushLastSeen, LAST_SEEN_FLUSH_MS);
  timer.unref();
  lifecycle.onClose('last-seen flush', () => {
    clearInterval(timer);
    flushLastSeen();
  });

  return { directory, service, seen: (clientId, now) => lastSeen.set(clientId, now) };
}
