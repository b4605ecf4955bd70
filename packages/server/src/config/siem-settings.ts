import { setting } from './setting.js';
import { bearerToken, boolean, directoryPath, integer, syslogHostname, urlWithScheme } from './value-types.js';

/**
 * The settings of the SIEM export (docs/monitoring.md, "SIEM export"): where audit records go as
 * OCSF events, and how they are batched. Part of the one schema, `SETTINGS` in schema.ts, in this
 * order. Each sink is off until its setting is given.
 */
export const SIEM_SETTINGS = [
  setting('siemFile', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'File audit records are appended to as OCSF JSON lines (created mode 0600, fsynced per batch); rotate it by renaming, and the next batch starts a new file (docs/monitoring.md, "SIEM export").',
  }),
  setting('siemSyslog', {
    type: urlWithScheme(['tcp', 'tls']),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'Syslog collector audit records are sent to as RFC 5424 messages carrying OCSF JSON, octet-counted: `tcp://HOST:PORT` (RFC 6587) or `tls://HOST:PORT` (RFC 5425, the collector\'s certificate verified).',
  }),
  setting('siemSyslogCaFile', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'the bundled public roots',
    description: 'PEM file of the CA certificates a `tls://` syslog collector\'s certificate must chain to, instead of the bundled public roots.',
  }),
  setting('siemSyslogHostname', {
    type: syslogHostname(),
    default: {
      derive: ({ issuer }) => (issuer === undefined ? undefined : new URL(issuer).hostname.replace(/^\[|\]$/g, '')),
      doc: 'the issuer\'s host name',
      hint: 'set AGENTAUTH_SIEM_SYSLOG_HOSTNAME',
    },
    description: 'HOSTNAME field of the syslog messages (RFC 5424 §6.2.4): the name the collector files them under.',
  }),
  setting('siemWebhook', {
    type: urlWithScheme(['https', 'http']),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'URL batches of audit records are POSTed to as OCSF JSON lines (`application/x-ndjson`), signed with HMAC-SHA256 under AGENTAUTH_SIEM_WEBHOOK_SECRET, through the SSRF guard (https; http only to loopback with AGENTAUTH_SIEM_WEBHOOK_ALLOW_PRIVATE), retried with backoff until a 2xx; may hold a credential in its query.',
    secret: true,
  }),
  setting('siemWebhookSecret', {
    type: bearerToken({ minLength: 32, maxLength: 1024 }),
    default: { value: undefined },
    defaultDoc: 'none (required with AGENTAUTH_SIEM_WEBHOOK)',
    description: 'Key of the SIEM webhook\'s `X-AgentAuth-Signature` (HMAC-SHA256), shared with the receiver.',
    secret: true,
  }),
  setting('siemWebhookAllowPrivate', {
    type: boolean(),
    default: { value: false },
    description: 'Let the SIEM webhook reach private, loopback, link-local, CGNAT and unique-local addresses; http is then allowed to loopback only.',
  }),
  setting('siemBatchSize', {
    type: integer({ min: 1, max: 1000 }),
    default: { value: 100 },
    description: 'Most audit records one SIEM batch carries (one file append and fsync, one syslog write, one webhook POST).',
  }),
  setting('siemPollInterval', {
    type: integer({ min: 10, max: 60_000, unit: 'milliseconds' }),
    default: { value: 1000 },
    description: 'How often each SIEM sink looks for new audit records once it has caught up; also its first retry delay after a failure, doubled on each failure up to 5 minutes.',
  }),
] as const;
