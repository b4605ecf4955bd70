import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { EvaluationOutcome } from './authzen-pdp.js';

/** What one service asked in one period. */
interface Counts {
  permitted: number;
  denied: number;
  unknown_subject: number;
  error: number;
  versions: Set<number>;
}

/** Most services counted apart in one period; the rest are counted together under `*`. */
const MAX_PEPS = 1_000;

/**
 * Counts AuthZEN decisions per calling service and writes them as one `access_evaluation.summarized`
 * audit record per service per period (`flush`, on a timer), instead of one record per decision:
 * resource servers ask on every request, and a record each would make the audit log's write the
 * cost of every question. Counting is O(1) in memory; the tally is bounded by {@link MAX_PEPS}.
 * What a summary does not keep (which subject, which resource) is not stored anywhere.
 */
export class DecisionTally {
  private counts = new Map<string, Counts>();
  private since: number;

  constructor(private readonly deps: { audit: AuditLog; clock: Clock }) {
    this.since = deps.clock.now();
  }

  /** Counts one decision for `pep` under policy set `version`. */
  add(pep: string, outcome: EvaluationOutcome, version: number): void {
    const key = this.counts.has(pep) || this.counts.size < MAX_PEPS ? pep : '*';
    let counts = this.counts.get(key);
    if (counts === undefined) {
      counts = { permitted: 0, denied: 0, unknown_subject: 0, error: 0, versions: new Set() };
      this.counts.set(key, counts);
    }
    counts[outcome]++;
    counts.versions.add(version);
  }

  /** Writes the period's summaries (nothing when nothing was asked) and starts a new period. */
  async flush(): Promise<void> {
    const counts = this.counts;
    const from = this.since;
    const to = this.deps.clock.now();
    this.counts = new Map();
    this.since = to;
    for (const [pep, c] of counts) {
      await this.deps.audit.record({
        time: to,
        event: 'access_evaluation.summarized',
        outcome: 'success',
        agentId: pep === '*' ? null : pep,
        actor: pep === '*' ? null : `agent:${pep}`,
        sourceIp: null,
        reason: null,
        requestId: null,
        details: {
          from,
          to,
          evaluations: c.permitted + c.denied + c.unknown_subject + c.error,
          permitted: c.permitted,
          denied: c.denied,
          unknown_subject: c.unknown_subject,
          errors: c.error,
          policy_versions: [...c.versions].sort((a, b) => a - b),
        },
      });
    }
  }
}
