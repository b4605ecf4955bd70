import type { OcsfEvent } from './ocsf-event.js';

/** RFC 5424 §6.2.1: facility 10, "security/authorization messages". */
export const SYSLOG_FACILITY = 10;

/** RFC 5424 §6.4: a UTF-8 MSG starts with the byte order mark. */
const BOM = '\uFEFF';

/** RFC 5424 §7.3.1: `sequenceId` counts 1 to 2147483647, then wraps to 1. */
const MAX_SEQUENCE_ID = 2_147_483_647;

/** RFC 5424 §6.2.1 severity of an exported event: Informational, Notice or Warning by its OCSF severity. */
function syslogSeverity(event: OcsfEvent): number {
  return event.severity_id === 1 ? 6 : event.severity_id === 2 ? 5 : 4;
}

/**
 * One RFC 5424 message (§6) carrying one OCSF event:
 * `<PRI>1 TIMESTAMP HOSTNAME agentauth - MSGID [origin ...][meta sequenceId=...] BOM JSON`, with
 * `hostname` already checked as an RFC 5424 HOSTNAME (the `AGENTAUTH_SIEM_SYSLOG_HOSTNAME` setting).
 * PRI is facility 10 (security/authorization) and the severity of the event; TIMESTAMP is the
 * record's time in UTC with milliseconds (§6.2.3); MSGID is `OCSF-<type_uid>` (§6.2.7: 32
 * characters at most, which an event name can exceed); the structured data uses only the
 * IANA-registered SD-IDs `origin` (§7.2) and `meta` (§7.3, the audit seq as `sequenceId`, wrapped
 * as the RFC says), since we hold no private enterprise number. MSG is the event's JSON.
 */
export function syslogMessage(event: OcsfEvent, hostname: string): string {
  const pri = SYSLOG_FACILITY * 8 + syslogSeverity(event);
  const timestamp = new Date(event.time).toISOString();
  const sequenceId = ((event.metadata.sequence - 1) % MAX_SEQUENCE_ID) + 1;
  const sd = `[origin software="agentauth"][meta sequenceId="${sequenceId}"]`;
  return `<${pri}>1 ${timestamp} ${hostname} agentauth - OCSF-${event.type_uid} ${sd} ${BOM}${JSON.stringify(event)}`;
}

/**
 * RFC 6587 §3.4.1 octet counting (also the framing of syslog over TLS, RFC 5425 §4.3):
 * `MSG-LEN SP SYSLOG-MSG`, MSG-LEN the message's length in octets.
 */
export function octetCountedFrame(message: string): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length} `, 'ascii'), bytes]);
}
