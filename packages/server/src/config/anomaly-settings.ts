import { setting } from './setting.js';
import { bearerToken, boolean, directoryPath, integer, oneOf, urlWithScheme } from './value-types.js';

const DAY = 86_400;
const LEVELS = ['low', 'medium', 'high', 'off'] as const;

/**
 * The settings of anomaly detection and its response (docs/monitoring.md). Part of the one
 * schema, `SETTINGS` in schema.ts, in this order.
 */
export const ANOMALY_SETTINGS = [
  setting('anomalyDetection', {
    type: boolean(),
    default: { value: false },
    description:
      'Watch every agent\'s token requests, refusals, exchanges and certificates against its own baseline and record anomalies (docs/monitoring.md, "Anomalies"). Baselines are rebuilt from the last 14 days of the audit log at start.',
  }),
  setting('anomalyLearningPeriod', {
    type: integer({ min: 3600, max: 90 * DAY, unit: 'seconds' }),
    default: { value: 7 * DAY },
    description: 'How long an agent is watched, from its first token request, before its behaviour can raise an anomaly.',
  }),
  setting('anomalyThresholdsFile', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'none: the built-in thresholds',
    description: 'JSON file of detector thresholds, global and by agent label (`{"global": {...}, "labels": {"env=batch": {...}}}`; docs/monitoring.md, "Tuning").',
  }),
  setting('anomalyQueueSize', {
    type: integer({ min: 100, max: 1_000_000 }),
    default: { value: 10_000 },
    description: 'Audit records waiting for the detectors at most; past it records are dropped from detection (never from the audit log) and counted.',
  }),
  setting('anomalyWebhook', {
    type: urlWithScheme(['https', 'http']),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'URL anomalies are POSTed to as JSON, signed with HMAC-SHA256 under AGENTAUTH_ANOMALY_WEBHOOK_SECRET, through the SSRF guard, retried (docs/monitoring.md, "Response"); may hold a credential in its query.',
    secret: true,
  }),
  setting('anomalyWebhookSecret', {
    type: bearerToken({ minLength: 32, maxLength: 1024 }),
    default: { value: undefined },
    defaultDoc: 'none (required with AGENTAUTH_ANOMALY_WEBHOOK)',
    description: 'Key of the anomaly webhook\'s `X-AgentAuth-Signature` (HMAC-SHA256), shared with the receiver.',
    secret: true,
  }),
  setting('anomalyWebhookSeverity', {
    type: oneOf(LEVELS),
    default: { value: 'medium' },
    description: 'The least severity of an anomaly the webhook is told of (`off`: none).',
  }),
  setting('anomalySignalSeverity', {
    type: oneOf(LEVELS),
    default: { value: 'medium' },
    description: 'The least severity of an anomaly that sends a CAEP `risk-level-change` about the agent to Shared Signals streams that ask for it (`off`: none).',
  }),
  setting('anomalySuspendSeverity', {
    type: oneOf(LEVELS),
    default: { value: 'off' },
    description: 'The least severity of an anomaly that suspends the agent at once (`off`: never); `agentauth agents resume` returns it to service.',
  }),
  setting('anomalyAllowPrivateWebhook', {
    type: boolean(),
    default: { value: false },
    description: 'Let the anomaly webhook reach private, loopback, link-local, CGNAT and unique-local addresses. For tests and private networks.',
  }),
] as const;
