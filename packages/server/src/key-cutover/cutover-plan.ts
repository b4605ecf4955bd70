import type { ApiKeyStore } from '../store/ports/api-key-store.js';
import type { ImportedKeyStore } from '../store/ports/imported-key-store.js';
import type { CutoverRuleRecord, CutoverStage, KeyCutoverStore } from '../store/ports/key-cutover-store.js';
import { cutoverStanding } from './cutover-stage.js';
import { MAX_CUTOVER_RULES } from './key-cutover-service.js';

/** Most keys of each kind one plan reads; past it the plan says `truncated`. */
export const MAX_PLANNED_KEYS = 10_000;

/** A key the plan finds blocked (or warned) at its date, and where. */
export interface PlannedKey {
  id: string;
  kind: 'managed' | 'imported';
  agentId: string;
  owner: string;
  stage: Exclude<CutoverStage, 'allow'>;
  /** The key's resources at which it is in that stage. */
  resources: string[];
  /** The winning rule (for a key used at several resources, the first such rule). */
  rule: CutoverRuleRecord;
  lastUsedAt: number | null;
  expiresAt: number;
}

/** The dry run of the cut-over at one date. */
export interface CutoverPlan {
  at: number;
  /** Keys refused at `at`. */
  blocked: PlannedKey[];
  /** Keys accepted with a warning at `at`. */
  warned: PlannedKey[];
  truncated: boolean;
}

/** What the plan reads. */
export type CutoverPlanStore = Pick<KeyCutoverStore, 'listCutoverRules'> & Pick<ApiKeyStore, 'listApiKeys'> & Pick<ImportedKeyStore, 'listImportedKeys'>;

/**
 * Who would be blocked or warned at `at` (docs/migration.md, "Cutting keys off"): every key live
 * then (neither revoked nor expired by `at`), judged by the rules as they stand now, at each of
 * its resources, exactly as a use of it there would be (`cutoverStanding`). Writes nothing.
 */
export async function cutoverPlan(store: CutoverPlanStore, at: number): Promise<CutoverPlan> {
  const rules = await store.listCutoverRules(MAX_CUTOVER_RULES);
  const managed = await store.listApiKeys({ limit: MAX_PLANNED_KEYS });
  const imported = await store.listImportedKeys({ limit: MAX_PLANNED_KEYS });
  const plan: CutoverPlan = { at, blocked: [], warned: [], truncated: managed.length >= MAX_PLANNED_KEYS || imported.length >= MAX_PLANNED_KEYS };
  if (rules.length === 0) return plan;
  const byTarget = new Map(rules.map((rule) => [`${rule.scope} ${rule.target}`, rule]));
  const keys = [
    ...managed.map((key) => ({ ...key, kind: 'managed' as const })),
    ...imported.map((key) => ({ ...key, kind: 'imported' as const })),
  ];
  for (const key of keys) {
    if (key.revokedAt !== null || key.expiresAt <= at) continue;
    const relevant = [byTarget.get(`key ${key.id}`), byTarget.get(`agent ${key.agentId}`), ...key.resources.map((resource) => byTarget.get(`resource ${resource}`))].filter((rule): rule is CutoverRuleRecord => rule !== undefined);
    if (relevant.length === 0) continue;
    for (const stage of ['block', 'warn'] as const) {
      let rule: CutoverRuleRecord | undefined;
      const resources: string[] = [];
      for (const resource of key.resources) {
        const standing = cutoverStanding(relevant, { keyId: key.id, agentId: key.agentId, resources: [resource] }, at);
        if (standing.stage !== stage) continue;
        resources.push(resource);
        rule ??= standing.rule;
      }
      if (rule === undefined) continue;
      (stage === 'block' ? plan.blocked : plan.warned).push({ id: key.id, kind: key.kind, agentId: key.agentId, owner: key.owner, stage, resources, rule, lastUsedAt: key.lastUsedAt, expiresAt: key.expiresAt });
    }
  }
  return plan;
}
