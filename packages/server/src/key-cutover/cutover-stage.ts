import type { CutoverRuleRecord, CutoverScope, CutoverStage, CutoverSubject } from '../store/ports/key-cutover-store.js';

/** The stages in order of strictness. */
const STRICTNESS: Readonly<Record<CutoverStage, number>> = { allow: 0, warn: 1, block: 2 };

/** Most specific first: a key's own rule, then its agent's, then its resources'. */
export const CUTOVER_PRECEDENCE: readonly CutoverScope[] = ['key', 'agent', 'resource'];

/** The stage a rule puts its keys in at `at`: `block` from `blockFrom`, else `warn` from `warnFrom`, else `allow`. */
export function stageAt(rule: Pick<CutoverRuleRecord, 'warnFrom' | 'blockFrom'>, at: number): CutoverStage {
  if (rule.blockFrom !== null && rule.blockFrom <= at) return 'block';
  if (rule.warnFrom !== null && rule.warnFrom <= at) return 'warn';
  return 'allow';
}

/** Where one use of a key stands at a time, and the rule that put it there (none: no rule applies). */
export interface CutoverStanding {
  stage: CutoverStage;
  rule: CutoverRuleRecord | undefined;
}

/**
 * The standing of a use of a key at `at` (docs/migration.md, "Cutting keys off"). The most
 * specific rule wins: the key's own rule, else its agent's, else the rules of the resources the
 * use is for. A rule wins by being there, whatever its stage, so `allow` on a key exempts it from
 * its agent's block. Among resource rules (a use for several resources, or for all of a key's
 * when the request names none) the strictest stage wins: fail closed. Rules not about this
 * subject are ignored.
 */
export function cutoverStanding(rules: readonly CutoverRuleRecord[], subject: CutoverSubject, at: number): CutoverStanding {
  const keyRule = rules.find((rule) => rule.scope === 'key' && rule.target === subject.keyId);
  if (keyRule !== undefined) return { stage: stageAt(keyRule, at), rule: keyRule };
  const agentRule = rules.find((rule) => rule.scope === 'agent' && rule.target === subject.agentId);
  if (agentRule !== undefined) return { stage: stageAt(agentRule, at), rule: agentRule };
  let standing: CutoverStanding = { stage: 'allow', rule: undefined };
  for (const rule of rules) {
    if (rule.scope !== 'resource' || !subject.resources.includes(rule.target)) continue;
    const stage = stageAt(rule, at);
    if (standing.rule === undefined || STRICTNESS[stage] > STRICTNESS[standing.stage]) standing = { stage, rule };
  }
  return standing;
}
