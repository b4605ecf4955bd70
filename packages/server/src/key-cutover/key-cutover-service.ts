import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { AgentError, invalid } from '../agents/agent-error.js';
import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { ApiKeyStore } from '../store/ports/api-key-store.js';
import type { ImportedKeyStore } from '../store/ports/imported-key-store.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { CutoverRuleRecord, CutoverScope, KeyCutoverStore } from '../store/ports/key-cutover-store.js';
import { stageAt } from './cutover-stage.js';
import { recordDueStages, ruleDetails } from './key-cutover-gate.js';

/** Most rules one listing returns, and most rules there may be. */
export const MAX_CUTOVER_RULES = 10_000;
/** Longest resource identifier or link a rule takes. */
const MAX_TARGET_LENGTH = 512;
const MAX_LINK_LENGTH = 2048;

/** A rule as an operator sets it; neither date means `allow`. */
export interface CutoverRuleInput {
  scope: CutoverScope;
  target: string;
  warnFrom: number | null;
  blockFrom: number | null;
  link: string | null;
}

/** The slice of `Deps` the service needs. */
export interface KeyCutoverServiceDeps {
  clock: Clock;
  random: Random;
  store: KeyCutoverStore & Pick<AgentStore, 'getAgent'> & Pick<ApiKeyStore, 'getApiKey'> & Pick<ImportedKeyStore, 'getImportedKey'>;
}

/**
 * Setting, changing and clearing the cut-over rules (docs/migration.md, "Cutting keys off"), each
 * change audited in its own transaction (`key_cutover.rule_set`, `key_cutover.rule_cleared`).
 * A rule names a key or an agent that exists, or an absolute http(s) resource; a block date never
 * precedes a warn date. A date already past takes effect at once.
 */
export class KeyCutoverService {
  constructor(private readonly deps: KeyCutoverServiceDeps) {}

  /** Creates or replaces the rule of a target. Refusals are `AgentError`s naming the field and rule. */
  async set(input: CutoverRuleInput, ctx: AuditContext): Promise<CutoverRuleRecord> {
    const agentId = await this.checkTarget(input.scope, input.target);
    if (input.warnFrom !== null && input.blockFrom !== null && input.blockFrom < input.warnFrom) throw invalid('block_from must not precede warn_from');
    const link = input.link === null ? null : checkLink(input.link);
    const now = this.deps.clock.now();
    const stage = stageAt(input, now);
    try {
      return await this.deps.store.putCutoverRule(
        { id: `cr_${this.deps.random.token(12)}`, scope: input.scope, target: input.target, warnFrom: input.warnFrom, blockFrom: input.blockFrom, link, effectiveStage: stage, updatedAt: now, updatedBy: ctx.actor },
        (previous, stored) => [
          changeRecord(now, 'key_cutover.rule_set', ctx, { ...ruleDetails(stored), link: stored.link, version: stored.version, stage, previous_stage: previous === undefined ? null : stageAt(previous, now) }, agentId),
        ],
      );
    } catch (error) {
      if (error instanceof ConflictError) throw new AgentError('conflict', 'a rule for this target was set meanwhile; read it and set it again');
      throw error;
    }
  }

  /** Removes the rule of a target: its keys fall back to the next broader rule, or `allow`. */
  async clear(scope: CutoverScope, target: string, ctx: AuditContext): Promise<CutoverRuleRecord> {
    const now = this.deps.clock.now();
    const agentId = (await this.agentOf(scope, target)) ?? null;
    const removed = await this.deps.store.clearCutoverRule(scope, target, (rule) => [changeRecord(now, 'key_cutover.rule_cleared', ctx, { ...ruleDetails(rule), stage: stageAt(rule, now) }, agentId)]);
    if (removed === undefined) throw new AgentError('not_found', 'no cut-over rule for this target');
    return removed;
  }

  /** Every rule, a due date-triggered change recorded first. */
  async list(): Promise<CutoverRuleRecord[]> {
    const now = this.deps.clock.now();
    const rules = await this.deps.store.listCutoverRules(MAX_CUTOVER_RULES);
    await recordDueStages(this.deps, rules, now);
    return rules.map((rule) => ({ ...rule, effectiveStage: stageAt(rule, now) }));
  }

  /** The agent a target concerns (for the audit record's agent), after checking it exists. */
  private async checkTarget(scope: CutoverScope, target: string): Promise<string | null> {
    if (scope === 'resource') {
      if (target.length > MAX_TARGET_LENGTH || !isAbsoluteHttpUrl(target)) throw invalid(`target must be an absolute http(s) resource of at most ${MAX_TARGET_LENGTH} characters, without a fragment (RFC 8707 §2)`);
      return null;
    }
    const agentId = await this.agentOf(scope, target);
    if (agentId === undefined) throw new AgentError('not_found', scope === 'key' ? 'no such managed or imported key' : 'no such agent');
    return agentId;
  }

  private async agentOf(scope: CutoverScope, target: string): Promise<string | null | undefined> {
    if (scope === 'resource') return null;
    if (scope === 'agent') return AGENT_ID_PATTERN.test(target) ? (await this.deps.store.getAgent(target))?.id : undefined;
    // A key's handle says its kind; the store, not a pattern copied here, says whether it exists.
    if (target.length > 64) return undefined;
    if (target.startsWith('ak_')) return (await this.deps.store.getApiKey(target))?.agentId;
    if (target.startsWith('ik_')) return (await this.deps.store.getImportedKey(target))?.agentId;
    return undefined;
  }
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}

/** The page callers are sent to: https only, in its canonical form (so it cannot break a `Link` header). */
function checkLink(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('link must be an absolute https URL');
  }
  if (url.protocol !== 'https:' || url.href.length > MAX_LINK_LENGTH || url.username !== '' || url.password !== '') throw invalid(`link must be an absolute https URL of at most ${MAX_LINK_LENGTH} characters, without credentials`);
  return url.href;
}
