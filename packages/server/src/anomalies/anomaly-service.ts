import type { Logger } from 'pino';
import { AgentError } from '../agents/agent-error.js';
import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AnomalyFilter, AnomalyRecord, AnomalyStore } from '../store/ports/anomaly-store.js';
import type { Finding } from './anomaly-finding.js';
import { planResponse, type Responders, type ResponseSettings } from './anomaly-response.js';
import type { AnomalyRisk } from './anomaly-risk.js';

/** Longest operator note on an acknowledgement or resolution. */
export const MAX_NOTE_LENGTH = 1000;
/** The public handle of an anomaly: `anm_` and 16 random bytes. */
export const ANOMALY_ID_PATTERN = /^anm_[A-Za-z0-9_-]{22}$/;
/** Open anomalies read at start to set each agent's risk level, at most. */
const MAX_ACTIVE_AT_START = 100_000;
const PAGE = 1000;

/**
 * Anomalies (docs/monitoring.md): raising one from a finding (stored `open`, audited as
 * `anomaly.detected` in the same transaction, then answered as configured: webhook, SSF signal,
 * suspension), and the operator's side: list, show, acknowledge, resolve, each change audited.
 * Keeps each agent's risk level (`AnomalyRisk`) for policies.
 */
export class AnomalyService {
  constructor(
    private readonly deps: {
      store: AnomalyStore;
      clock: Clock;
      random: Random;
      risk: AnomalyRisk;
      settings: ResponseSettings;
      responders: Responders;
      logger: Pick<Logger, 'error'>;
    },
  ) {}

  /** Loads the open and acknowledged anomalies into the risk levels (at start). */
  async loadRisk(): Promise<void> {
    let before: string | undefined;
    for (let read = 0; read < MAX_ACTIVE_AT_START; read += PAGE) {
      const page = await this.deps.store.listAnomalies({ states: ['open', 'acknowledged'], limit: PAGE, ...(before === undefined ? {} : { before }) });
      for (const anomaly of page) this.deps.risk.add(anomaly.agentId, anomaly.id, anomaly.severity);
      if (page.length < PAGE) return;
      before = page[page.length - 1]?.id;
    }
  }

  /** Stores a finding as an open anomaly and answers it. Response failures are logged, never thrown. */
  async raise(finding: Finding): Promise<AnomalyRecord> {
    const { risk, settings, responders } = this.deps;
    const previous = risk.of(finding.agentId);
    const actions = planResponse(settings, responders, finding.severity);
    const anomaly: AnomalyRecord = {
      id: `anm_${this.deps.random.token(16)}`,
      agentId: finding.agentId,
      detector: finding.detector,
      severity: finding.severity,
      state: 'open',
      evidence: finding.evidence,
      details: finding.details,
      detectedAt: this.deps.clock.now(),
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedBy: null,
      resolvedAt: null,
      note: null,
    };
    const ctx: AuditContext = { actor: 'system', sourceIp: null, requestId: null };
    await this.deps.store.createAnomaly(anomaly, [
      changeRecord(anomaly.detectedAt, 'anomaly.detected', ctx, { anomaly_id: anomaly.id, detector: anomaly.detector, severity: anomaly.severity, evidence: anomaly.evidence, response: actions }, anomaly.agentId),
    ]);
    risk.add(anomaly.agentId, anomaly.id, anomaly.severity);
    const current = risk.of(anomaly.agentId);
    const fail = (what: string) => (error: unknown) => this.deps.logger.error({ err: error, anomaly: anomaly.id }, `anomaly response failed: ${what}`);
    if (actions.includes('webhook')) await Promise.resolve(responders.webhook?.(anomaly)).catch(fail('webhook'));
    // The signal says the risk level changed; an anomaly that leaves it where it was says nothing new.
    if (actions.includes('signal') && current !== previous) await responders.signal?.(anomaly, previous, current).catch(fail('signal'));
    if (actions.includes('suspended')) await responders.suspend?.(anomaly.agentId, `anomaly ${anomaly.id} (${anomaly.detector}, ${anomaly.severity}): ${anomaly.evidence}`).catch(fail('suspension'));
    return anomaly;
  }

  list(filter: AnomalyFilter): Promise<AnomalyRecord[]> {
    return this.deps.store.listAnomalies(filter);
  }

  async get(id: string): Promise<AnomalyRecord> {
    const anomaly = ANOMALY_ID_PATTERN.test(id) ? await this.deps.store.getAnomaly(id) : undefined;
    if (anomaly === undefined) throw new AgentError('not_found', 'no anomaly with this id');
    return anomaly;
  }

  /** Marks an open anomaly as seen; it still counts towards the agent's risk level. */
  acknowledge(id: string, note: string | undefined, ctx: AuditContext): Promise<AnomalyRecord> {
    return this.#move(id, 'acknowledged', note, ctx);
  }

  /** Closes an open or acknowledged anomaly; it no longer counts towards the agent's risk level. */
  async resolve(id: string, note: string | undefined, ctx: AuditContext): Promise<AnomalyRecord> {
    const resolved = await this.#move(id, 'resolved', note, ctx);
    this.deps.risk.remove(resolved.agentId, resolved.id);
    return resolved;
  }

  async #move(id: string, to: 'acknowledged' | 'resolved', note: string | undefined, ctx: AuditContext): Promise<AnomalyRecord> {
    if (note !== undefined && note.length > MAX_NOTE_LENGTH) throw new AgentError('validation_failed', `note must be at most ${MAX_NOTE_LENGTH} characters`);
    const current = await this.get(id);
    const at = this.deps.clock.now();
    const event = to === 'acknowledged' ? 'anomaly.acknowledged' : 'anomaly.resolved';
    const updated = await this.deps.store.transitionAnomaly(id, { to, by: ctx.actor, at, note: note ?? null }, (a) => [
      changeRecord(at, event, ctx, { anomaly_id: a.id, detector: a.detector, severity: a.severity, note: note ?? null }, a.agentId),
    ]);
    if (updated === undefined) throw new AgentError('conflict', `the anomaly is ${current.state}; it cannot be ${to} now`);
    return updated;
  }
}
