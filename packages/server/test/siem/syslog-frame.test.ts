import { describe, expect, it } from 'vitest';
import { toOcsfEvent } from '../../src/siem/ocsf-event.js';
import { octetCountedFrame, syslogMessage } from '../../src/siem/syslog-frame.js';
import type { AuditRecord } from '../../src/store/records.js';

const record = (over: Partial<AuditRecord>): AuditRecord => ({
  seq: 7,
  time: Date.UTC(2026, 11, 7, 14, 0, 0, 123),
  event: 'agent.registered',
  outcome: 'success',
  agentId: 'agt_0123456789abcdefghijkl',
  actor: 'user:usr_1',
  sourceIp: null,
  reason: null,
  requestId: null,
  details: { name: 'café-bot' },
  prevHash: 'p',
  hash: 'h',
  ...over,
});

describe('RFC 5424 messages and RFC 6587 octet counting', () => {
  it('counts octets, not characters, so a UTF-8 message frames exactly (RFC 6587 §3.4.1)', () => {
    const message = syslogMessage(toOcsfEvent(record({})), 'idp.example.com');
    const frame = octetCountedFrame(message);
    const space = frame.indexOf(0x20);
    const length = Number(frame.subarray(0, space).toString('ascii'));
    expect(length).toBe(frame.length - space - 1);
    expect(length).toBeGreaterThan(message.length);
    expect(frame.subarray(space + 1).toString('utf8')).toBe(message);
    expect(message).toMatch(/^<86>1 2026-12-07T14:00:00\.123Z idp\.example\.com agentauth - OCSF-300101 \[origin software="agentauth"\]\[meta sequenceId="7"\] \uFEFF\{/);
  });

  it('wraps meta sequenceId after 2147483647 (RFC 5424 §7.3.1) and takes the severity from the outcome', () => {
    const message = syslogMessage(toOcsfEvent(record({ seq: 2_147_483_648, event: 'client_authentication.failed', outcome: 'failure' })), 'h');
    expect(message).toMatch(/^<84>1 \S+ h agentauth - OCSF-300201 \[origin software="agentauth"\]\[meta sequenceId="1"\] /);
    const other = syslogMessage(toOcsfEvent(record({ event: 'admin_request.denied', outcome: 'failure' })), 'h');
    expect(other).toMatch(/^<85>1 /);
  });
});
