import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditInput } from '../store/records.js';
import type { CutoverRuleRecord, KeyCutoverStore } from '../store/ports/key-cutover-store.js';
import { cutoverStanding, stageAt } from './cutover-stage.js';

/** One use of a key, as the door it came through saw it. */
export interface CutoverUse {
  keyId: string;
  kind: 'managed' | 'imported';
  agentId: string;
  /** Who answers for the key: the one notified. */
  owner: string;
  /** The resources the use is for: those the request names, else all of the key's. */
  resources: readonly string[];
  /** The door: a service's introspection of a managed key, of an imported key's digest, or an exchange. */
  via: 'introspection' | 'key_digest_introspection' | 'token_exchange';
  /** The audit actor of the request (`agent:<id>` of the asking service, or of the key's agent). */
  actor: string;
  sourceIp: string | null;
  requestId: string | null;
}

/** The verdict on one use: accepted, accepted with a warning, or refused, and the rule that said so. */
export type CutoverVerdict = { stage: 'allow' } | { stage: 'warn' | 'block'; rule: CutoverRuleRecord };

/** The first use of a key seen under a rule's version in a stage: its owner and subscribers are told once. */
export interface CutoverNotice {
  stage: 'warn' | 'block';
  use: CutoverUse;
  rule: CutoverRuleRecord;
  at: number;
}

/** What the gate needs. */
export interface KeyCutoverGateDeps {
  store: Pick<KeyCutoverStore, 'cutoverRulesFor' | 'recordCutoverStage' | 'claimCutoverNotice'>;
  audit: AuditLog;
  logger: Logger;
}

/** The audit details naming a key: its id under the name its kind's records use, never the key. */
export function keyDetails(use: Pick<CutoverUse, 'keyId' | 'kind' | 'agentId'>): Record<string, unknown> {
  return { [use.kind === 'managed' ? 'managed_key_id' : 'imported_key_id']: use.keyId, key_agent_id: use.agentId };
}

/** What the audit records say of a rule. */
export function ruleDetails(rule: CutoverRuleRecord): Record<string, unknown> {
  return {
    rule_id: rule.id,
    scope: rule.scope,
    target: rule.target,
    warn_from: rule.warnFrom === null ? null : new Date(rule.warnFrom).toISOString(),
    block_from: rule.blockFrom === null ? null : new Date(rule.blockFrom).toISOString(),
  };
}

/**
 * The staged cut-over at every door a key comes through (docs/migration.md, "Cutting keys off"):
 * a service's introspection of a managed key, of an imported key's digest, and a key's exchange
 * for a token. Called once the key is otherwise good (known, live, its agent active), it finds the
 * winning rule (`cutoverStanding`) and:
 *
 * - `block`: audits `key_cutover.blocked` (a failure); the door refuses the key with its usual
 *   answer (inactive, or `invalid_request` at the exchange);
 * - `warn`: audits `key_cutover.warned`; the door accepts the key and says so;
 * - both: the first use of a key under a rule's version and stage is claimed by one insert, and
 *   only then are the notice listeners told (a CAEP event, the owner's webhook): once per key per
 *   stage change, never per request.
 *
 * A rule whose date has come is recorded as in force on the way (`key_cutover.stage_effective`).
 */
export class KeyCutoverGate {
  readonly #listeners: ((notice: CutoverNotice) => Promise<void> | void)[] = [];

  constructor(private readonly deps: KeyCutoverGateDeps) {}

  /** Told of each first use under a stage; a listener's failure is logged, never the use's. */
  onNotice(listener: (notice: CutoverNotice) => Promise<void> | void): void {
    this.#listeners.push(listener);
  }

  /** The verdict on `use` at `now`, audited and noticed as above. */
  async check(use: CutoverUse, now: number): Promise<CutoverVerdict> {
    const rules = await this.deps.store.cutoverRulesFor({ keyId: use.keyId, agentId: use.agentId, resources: use.resources });
    if (rules.length === 0) return { stage: 'allow' };
    await recordDueStages(this.deps, rules, now);
    const standing = cutoverStanding(rules, { keyId: use.keyId, agentId: use.agentId, resources: use.resources }, now);
    if (standing.stage === 'allow' || standing.rule === undefined) return { stage: 'allow' };
    const { stage, rule } = standing;
    await this.deps.audit.record({
      time: now,
      event: stage === 'block' ? 'key_cutover.blocked' : 'key_cutover.warned',
      outcome: stage === 'block' ? 'failure' : 'success',
      agentId: use.agentId,
      actor: use.actor,
      sourceIp: use.sourceIp,
      reason: stage === 'block' ? `key ${use.keyId} is blocked by cut-over rule ${rule.id} (${rule.scope} ${rule.target})` : null,
      requestId: use.requestId,
      details: { ...keyDetails(use), ...ruleDetails(rule), via: use.via, resources: [...use.resources].slice(0, 16) },
    });
    if (await this.deps.store.claimCutoverNotice({ keyId: use.keyId, ruleId: rule.id, ruleVersion: rule.version, stage, at: now })) {
      for (const listener of this.#listeners) {
        try {
          await listener({ stage, use, rule, at: now });
        } catch (error) {
          this.deps.logger.error({ err: error, key: use.keyId, rule: rule.id }, 'a cut-over notice could not be sent');
        }
      }
    }
    return { stage, rule };
  }
}

/**
 * Records each of `rules` whose dates moved it to another stage since it was last recorded,
 * auditing `key_cutover.stage_effective` once (a conditional write: a node that loses the race
 * writes nothing). Called on every key use and every read of the rules, so a transition is
 * recorded by the first look after its date.
 */
export async function recordDueStages(deps: Pick<KeyCutoverGateDeps, 'store'>, rules: readonly CutoverRuleRecord[], now: number): Promise<void> {
  for (const rule of rules) {
    const stage = stageAt(rule, now);
    if (stage === rule.effectiveStage) continue;
    const effectiveAt = stage === 'block' ? rule.blockFrom : stage === 'warn' ? rule.warnFrom : null;
    const record: AuditInput = {
      time: now,
      event: 'key_cutover.stage_effective',
      outcome: 'success',
      agentId: rule.scope === 'agent' ? rule.target : null,
      actor: 'system',
      sourceIp: null,
      reason: null,
      requestId: null,
      details: { ...ruleDetails(rule), from: rule.effectiveStage, to: stage, effective_at: effectiveAt === null ? null : new Date(effectiveAt).toISOString() },
    };
    await deps.store.recordCutoverStage(rule.id, rule.version, rule.effectiveStage, stage, [record]);
  }
}
