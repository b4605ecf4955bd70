import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../../src/audit/audit-log.js';
import { FrozenClock } from '../../src/clock.js';
import { DecisionTally } from '../../src/authzen/decision-tally.js';
import type { AuditInput } from '../../src/store/records.js';

/** An audit log that keeps what it is given, in order. */
function keptAudit(): AuditLog & { records: AuditInput[] } {
  const records: AuditInput[] = [];
  return { records, record: async (input: AuditInput) => void records.push(input) } as AuditLog & { records: AuditInput[] };
}

describe('DecisionTally', () => {
  it('writes one summary per service per period, and nothing for a quiet period', async () => {
    const clock = new FrozenClock(1_000);
    const audit = keptAudit();
    const tally = new DecisionTally({ audit, clock });
    tally.add('agt_a', 'permitted', 3);
    tally.add('agt_a', 'denied', 4);
    tally.add('agt_b', 'error', 4);
    clock.advance(60_000);
    await tally.flush();
    expect(audit.records.map((r) => [r.agentId, r.details])).toEqual([
      ['agt_a', { from: 1_000, to: 61_000, evaluations: 2, permitted: 1, denied: 1, unknown_subject: 0, errors: 0, policy_versions: [3, 4] }],
      ['agt_b', { from: 1_000, to: 61_000, evaluations: 1, permitted: 0, denied: 0, unknown_subject: 0, errors: 1, policy_versions: [4] }],
    ]);
    await tally.flush();
    expect(audit.records).toHaveLength(2);
  });

  it('counts services beyond the first 1,000 of a period together, so the tally stays bounded', async () => {
    const audit = keptAudit();
    const tally = new DecisionTally({ audit, clock: new FrozenClock() });
    for (let i = 0; i < 1_005; i++) tally.add(`agt_${i}`, 'permitted', 1);
    await tally.flush();
    expect(audit.records).toHaveLength(1_001);
    expect(audit.records.at(-1)).toMatchObject({ agentId: null, actor: null, details: { evaluations: 5 } });
  });
});
