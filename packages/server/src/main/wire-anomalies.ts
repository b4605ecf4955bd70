import type { Logger } from 'pino';
import { AnomalyDetectors } from '../anomalies/anomaly-detectors.js';
import { AnomalyMonitor } from '../anomalies/anomaly-monitor.js';
import type { Responders } from '../anomalies/anomaly-response.js';
import type { AnomalyRisk } from '../anomalies/anomaly-risk.js';
import { AnomalyService } from '../anomalies/anomaly-service.js';
import { readThresholds } from '../anomalies/anomaly-thresholds.js';
import { anomalyWebhook } from '../anomalies/anomaly-webhook.js';
import { riskLevelSignal } from '../anomalies/risk-level-signal.js';
import type { AgentService } from '../agents/agent-service.js';
import { RetryingDelivery } from '../approvals/retrying-delivery.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommittedAuditTap } from '../audit/committed-audit-tap.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { createGuardedPost } from '../net/guarded-post.js';
import type { ClientDirectory } from '../oauth/client-directory.js';
import type { Random } from '../random.js';
import type { SignalsTransmitter } from '../signals/transmitter.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/** Anomaly detection as the other parts take it (tests wait on `monitor` and `delivery`). */
export interface Anomalies {
  /** The operators' side (always there: stored anomalies stay listable when detection is off). */
  service: AnomalyService;
  /** The detectors behind the commit log, when `anomalyDetection` is on. */
  monitor: AnomalyMonitor | undefined;
  delivery: RetryingDelivery;
}

/**
 * Anomalies (docs/monitoring.md): the service operators use, always; and when `anomalyDetection`
 * is on, detection and its response: the
 * thresholds file (checked before the first request), the detectors behind the commit log's tap,
 * baselines rebuilt from the audit log, the open anomalies' risk levels, and the responses: the
 * webhook (through the SSRF guard, retried), the CAEP risk level change, suspension.
 */
export async function wireAnomalies(deps: {
  config: Config;
  clock: Clock;
  random: Random;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  committedAudit: CommittedAuditTap;
  directory: Pick<ClientDirectory, 'get'>;
  agents: Pick<AgentService, 'suspend'>;
  transmitter: Pick<SignalsTransmitter, 'publishSignal'>;
  risk: AnomalyRisk;
  lifecycle: Lifecycle;
}): Promise<Anomalies> {
  const { config, clock, logger } = deps;
  const thresholds = readThresholds(config.anomalyThresholdsFile);
  if (config.anomalyWebhook !== undefined && config.anomalyWebhookSecret === undefined) throw new TypeError('AGENTAUTH_ANOMALY_WEBHOOK needs AGENTAUTH_ANOMALY_WEBHOOK_SECRET: its posts are signed (docs/monitoring.md)');
  const delivery = new RetryingDelivery(createGuardedPost({ allowPrivateNetworks: config.anomalyAllowPrivateWebhook }));
  deps.lifecycle.onClose('anomaly webhook', () => delivery.close());
  const responders: Responders = {
    signal: (anomaly, previous, current) => deps.transmitter.publishSignal(riskLevelSignal(config.issuer, anomaly, previous, current)),
    suspend: async (agentId, reason) => {
      await deps.agents.suspend(agentId, { actor: 'system', sourceIp: null, requestId: null }, { reason });
    },
  };
  if (config.anomalyWebhook !== undefined) {
    const post = anomalyWebhook({ url: config.anomalyWebhook, secret: config.anomalyWebhookSecret as string, issuer: config.issuer, delivery, audit: deps.audit, clock, random: deps.random, logger });
    responders.webhook = async (anomaly) => {
      const entry = await deps.directory.get(anomaly.agentId).catch(() => undefined);
      post(anomaly, entry?.agent.name);
    };
  }
  const service = new AnomalyService({
    store: deps.store,
    clock,
    random: deps.random,
    risk: deps.risk,
    settings: { webhook: config.anomalyWebhookSeverity, signal: config.anomalySignalSeverity, suspend: config.anomalySuspendSeverity },
    responders,
    logger,
  });
  if (!config.anomalyDetection) return { service, monitor: undefined, delivery };
  await service.loadRisk();
  const learningPeriodMs = config.anomalyLearningPeriod * 1000;
  const monitor = new AnomalyMonitor({
    detectors: new AnomalyDetectors({ thresholds, learningPeriodMs }),
    service,
    labelsOf: async (agentId) => (await deps.directory.get(agentId).catch(() => undefined))?.agent.labels,
    audit: deps.store,
    clock,
    learningPeriodMs,
    queueLimit: config.anomalyQueueSize,
    logger,
  });
  deps.committedAudit.listen((records) => monitor.offer(records));
  // Stopped before the store closes: what is queued is handled while the database is open.
  deps.lifecycle.onClose('anomaly detection', () => monitor.close());
  return { service, monitor, delivery };
}
