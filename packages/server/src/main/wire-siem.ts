import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Random } from '../random.js';
import { createGuardedPost } from '../net/guarded-post.js';
import { FileSink } from '../siem/file-sink.js';
import { SiemExporter } from '../siem/siem-exporter.js';
import type { SiemSink, SiemSinkName } from '../siem/siem-sink.js';
import { SyslogSink } from '../siem/syslog-sink.js';
import { WebhookSink } from '../siem/webhook-sink.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * How long one webhook POST may take (ms): a batch holds up to 1000 events, and a timed-out batch
 * the receiver did take is sent again, so the deadline is generous.
 */
export const SIEM_WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The SIEM export (docs/monitoring.md, "SIEM export"): one sink per configured setting, one
 * exporter loop per sink, started now and stopped before the store closes. A setting that cannot
 * work (a webhook without its key, a syslog URL without a port, an unreadable CA file) stops the
 * start, like any invalid configuration. Returns the names of the configured sinks.
 */
export function wireSiem(deps: { config: Config; clock: Clock; random: Random; logger: Logger; store: Store; lifecycle: Lifecycle }): readonly SiemSinkName[] {
  const { config, clock, logger, store } = deps;
  const sinks: SiemSink[] = [];
  if (config.siemFile !== undefined) sinks.push(new FileSink(config.siemFile));
  if (config.siemSyslog !== undefined) {
    let ca: string | undefined;
    if (config.siemSyslogCaFile !== undefined) {
      try {
        ca = readFileSync(config.siemSyslogCaFile, 'utf8');
      } catch (error) {
        throw new TypeError(`AGENTAUTH_SIEM_SYSLOG_CA_FILE cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    sinks.push(new SyslogSink({ url: config.siemSyslog, hostname: config.siemSyslogHostname, ca }));
  }
  if (config.siemWebhook !== undefined) {
    if (config.siemWebhookSecret === undefined) throw new TypeError('AGENTAUTH_SIEM_WEBHOOK needs AGENTAUTH_SIEM_WEBHOOK_SECRET: its posts are signed (docs/monitoring.md)');
    sinks.push(new WebhookSink({ url: config.siemWebhook, secret: config.siemWebhookSecret, post: createGuardedPost({ allowPrivateNetworks: config.siemWebhookAllowPrivate, timeoutMs: SIEM_WEBHOOK_TIMEOUT_MS }), clock }));
  }
  if (sinks.length === 0) return [];
  const exporter = new SiemExporter({ sinks, store, clock, logger, holder: deps.random.token(12), batchSize: config.siemBatchSize, pollIntervalMs: config.siemPollInterval });
  exporter.start();
  deps.lifecycle.onClose('SIEM export', () => exporter.close());
  return sinks.map((sink) => sink.name);
}
