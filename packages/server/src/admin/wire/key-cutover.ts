import { Type, type Static } from 'typebox';
import type { CutoverPlan as DomainPlan, PlannedKey } from '../../key-cutover/cutover-plan.js';
import type { CutoverRuleRecord } from '../../store/ports/key-cutover-store.js';
import { Enum, NullableString, NullableTime, rfc3339, rfc3339OrNull, StringEnum, Time } from './primitives.js';

/**
 * The staged cut-over of API keys on the admin API's wire (docs/migration.md, "Cutting keys off"):
 * the rules, and the dry run of who would be blocked at a date.
 */

const Scope = StringEnum(['key', 'agent', 'resource'] as const, { description: 'what the rule names: one key (most specific), every key of an agent, or every key used at a resource' });
const Stage = Enum(['allow', 'warn', 'block'] as const);
const Target = Type.String({ minLength: 1, maxLength: 512, description: 'a key id (ak_… or ik_…), an agent id, or an RFC 8707 resource' });

/** `POST /migration/cutover/rules` body: creates or replaces the rule of a target. */
export const SetCutoverRuleRequest = Type.Object(
  {
    scope: Scope,
    target: Target,
    warn_from: Type.Optional(Type.Union([Time, Type.Null()], { description: 'from then the keys are accepted with a warning; null or absent: never' })),
    block_from: Type.Optional(Type.Union([Time, Type.Null()], { description: 'from then the keys are refused; null or absent: never' })),
    link: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Null()], { description: 'an https page telling callers how to move off their key (sent as a Link)' })),
  },
  { additionalProperties: false },
);
export type SetCutoverRuleRequest = Static<typeof SetCutoverRuleRequest>;

/** `POST /migration/cutover/rules/clear` body. */
export const ClearCutoverRuleRequest = Type.Object({ scope: Scope, target: Target }, { additionalProperties: false });
export type ClearCutoverRuleRequest = Static<typeof ClearCutoverRuleRequest>;

/** One rule and the stage it puts its keys in now. */
export const CutoverRule = Type.Object({
  id: Type.String(),
  scope: Scope,
  target: Type.String(),
  warn_from: NullableTime,
  block_from: NullableTime,
  link: NullableString,
  stage: Stage,
  version: Type.Integer({ minimum: 1 }),
  updated_at: Time,
  updated_by: Type.String(),
});
export type CutoverRule = Static<typeof CutoverRule>;

/** `GET /migration/cutover/rules` answer. */
export const CutoverRuleList = Type.Object({ items: Type.Array(CutoverRule) });
export type CutoverRuleList = Static<typeof CutoverRuleList>;

/** `GET /migration/cutover/plan` query. */
export const CutoverPlanQuery = Type.Object({ at: Type.Optional(Type.String({ format: 'date-time', description: 'the date to judge the keys at (default: now)' })) }, { additionalProperties: false });
export type CutoverPlanQuery = Static<typeof CutoverPlanQuery>;

/** A key the plan finds blocked or warned. */
export const CutoverPlanKey = Type.Object({
  id: Type.String(),
  kind: Enum(['managed', 'imported'] as const),
  agent_id: Type.String(),
  owner: Type.String(),
  stage: Enum(['warn', 'block'] as const),
  resources: Type.Array(Type.String(), { description: 'the key\'s resources at which it is in that stage' }),
  rule: Type.Object({ id: Type.String(), scope: Scope, target: Type.String() }),
  block_from: NullableTime,
  last_used_at: NullableTime,
  expires_at: Time,
});
export type CutoverPlanKey = Static<typeof CutoverPlanKey>;

/** `GET /migration/cutover/plan` answer. */
export const CutoverPlan = Type.Object(
  {
    at: Time,
    blocked: Type.Array(CutoverPlanKey),
    warned: Type.Array(CutoverPlanKey),
    agents: Type.Array(Type.Object({ agent_id: Type.String(), blocked_keys: Type.Integer({ minimum: 0 }) }), { description: 'agents with a key blocked at `at`' }),
    resources: Type.Array(Type.Object({ resource: Type.String(), blocked_keys: Type.Integer({ minimum: 0 }) }), { description: 'resources at which a key is blocked at `at`' }),
    truncated: Type.Boolean(),
  },
  { description: 'Who would be blocked or warned at a date, by the rules as they stand (docs/migration.md, "Cutting keys off").' },
);
export type CutoverPlan = Static<typeof CutoverPlan>;

/** A rule as the admin API shows it; `stage` is its stage at `now`. */
export function cutoverRuleToJson(rule: CutoverRuleRecord): CutoverRule {
  return {
    id: rule.id,
    scope: rule.scope,
    target: rule.target,
    warn_from: rfc3339OrNull(rule.warnFrom),
    block_from: rfc3339OrNull(rule.blockFrom),
    link: rule.link,
    stage: rule.effectiveStage,
    version: rule.version,
    updated_at: rfc3339(rule.updatedAt),
    updated_by: rule.updatedBy,
  };
}

/** The plan as the admin API shows it, with the blocked keys counted per agent and per resource. */
export function cutoverPlanToJson(plan: DomainPlan): CutoverPlan {
  const agents = new Map<string, number>();
  const resources = new Map<string, number>();
  for (const key of plan.blocked) {
    agents.set(key.agentId, (agents.get(key.agentId) ?? 0) + 1);
    for (const resource of key.resources) resources.set(resource, (resources.get(resource) ?? 0) + 1);
  }
  return {
    at: rfc3339(plan.at),
    blocked: plan.blocked.map(planKeyJson),
    warned: plan.warned.map(planKeyJson),
    agents: [...agents].sort(([a], [b]) => a.localeCompare(b)).map(([agent_id, blocked_keys]) => ({ agent_id, blocked_keys })),
    resources: [...resources].sort(([a], [b]) => a.localeCompare(b)).map(([resource, blocked_keys]) => ({ resource, blocked_keys })),
    truncated: plan.truncated,
  };
}

function planKeyJson(key: PlannedKey): CutoverPlanKey {
  return {
    id: key.id,
    kind: key.kind,
    agent_id: key.agentId,
    owner: key.owner,
    stage: key.stage,
    resources: key.resources,
    rule: { id: key.rule.id, scope: key.rule.scope, target: key.rule.target },
    block_from: rfc3339OrNull(key.rule.blockFrom),
    last_used_at: rfc3339OrNull(key.lastUsedAt),
    expires_at: rfc3339(key.expiresAt),
  };
}
