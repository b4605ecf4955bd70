import type { AuditInput } from '../store/records.js';
import type { AuditLog } from './audit-log.js';
import { assertAuditInput, MAX_REASON_LENGTH } from './validate-audit-input.js';

/**
 * Writes the audit record of a refused request (outcome `failure`). A refusal must be on record
 * even when what the caller sent cannot go into it: a reason longer than the log takes is cut, and
 * a record the log would refuse (a value shaped like a token, `details` too large) keeps its event,
 * actor and the reason's error code, with `details: { details_omitted: true }`. Throwing here would
 * turn the caller's 4xx into a 500 and lose the record.
 */
export async function recordRefusal(audit: Pick<AuditLog, 'record'>, record: AuditInput): Promise<void> {
  const reason = record.reason === null || record.reason.length <= MAX_REASON_LENGTH ? record.reason : `${record.reason.slice(0, MAX_REASON_LENGTH - 3)}...`;
  const fitted: AuditInput = { ...record, outcome: 'failure', reason };
  try {
    assertAuditInput(fitted);
  } catch {
    fitted.reason = reason === null ? null : (reason.split(':')[0] ?? '').slice(0, 64);
    fitted.details = { details_omitted: true };
  }
  await audit.record(fitted);
}
