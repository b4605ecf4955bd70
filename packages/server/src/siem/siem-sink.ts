import type { OcsfEvent } from './ocsf-event.js';

/** The kinds of sink, each configured at most once; the name keys its checkpoint in the database. */
export const SIEM_SINK_NAMES = ['file', 'syslog', 'webhook'] as const;
export type SiemSinkName = (typeof SIEM_SINK_NAMES)[number];

/**
 * Where exported audit events go (docs/monitoring.md, "SIEM export"). `send` resolves only once the
 * sink has acknowledged the whole batch, since the exporter's checkpoint advances on that and
 * nothing else; it rejects (and may be called again with the same batch) otherwise.
 */
export interface SiemSink {
  readonly name: SiemSinkName;
  /** Delivers one batch in order; resolves when acknowledged. Never called twice at once. */
  send(events: readonly OcsfEvent[]): Promise<void>;
  /** Releases connections; a send after it fails. */
  close(): Promise<void>;
}
