import { Type, type Static } from 'typebox';
import { AgentId } from './agent.js';
import { JsonObject, StringEnum, Time } from './primitives.js';

/**
 * The policy set on the admin API's wire (docs/admin-api.md, "Policies"; docs/policy.md). Policy
 * text is Cedar; ids and descriptions come from each policy's `@id` and `@description`.
 */

/** Longest policy source one request carries, in characters (the server's own bound). */
export const MAX_POLICY_SOURCE_CHARS = 1_000_000;
/** Most entities one request describes. */
const MAX_ENTITIES = 10_000;

/** A policy id, as `@id("...")` holds it. */
export const PolicyId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' });

/** A version of the policy set (0 is the baseline, in force until a first change). */
const Version = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** One problem found in a policy source: Cedar's message, with the line and column (1-based) when known. */
export const PolicyProblem = Type.Object({
  policy_id: Type.Union([Type.String(), Type.Null()]),
  line: Type.Union([Type.Integer(), Type.Null()]),
  column: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
});
export type PolicyProblem = Static<typeof PolicyProblem>;

/** One policy of the set in force, without its text. */
export const PolicySummary = Type.Object({
  id: Type.String(),
  description: Type.String(),
  effect: StringEnum(['permit', 'forbid']),
  /** The version in which this policy's text last changed (0: part of the baseline). */
  changed_in: Type.Integer(),
});
export type PolicySummary = Static<typeof PolicySummary>;

/** `GET /policies` answer: the version in force and its policies by id. */
export const PolicyList = Type.Object({ version: Type.Integer(), items: Type.Array(PolicySummary) });
export type PolicyList = Static<typeof PolicyList>;

/** `GET /policies/{id}` answer. */
export const Policy = Type.Object({ ...PolicySummary.properties, version: Type.Integer(), text: Type.String() });
export type Policy = Static<typeof Policy>;

/** Path parameters of `/policies/{id}`. */
export const PolicyParams = Type.Object({ id: PolicyId }, { additionalProperties: false });

/** One applied version, without its content. */
export const PolicySetSummary = Type.Object({
  version: Type.Integer(),
  created_at: Time,
  created_by: Type.String(),
  comment: Type.String(),
  policy_count: Type.Integer(),
});
export type PolicySetSummary = Static<typeof PolicySetSummary>;

/** `GET /policy-sets` answer: newest first. */
export const PolicySetHistory = Type.Object({ items: Type.Array(PolicySetSummary) });
export type PolicySetHistory = Static<typeof PolicySetHistory>;

/** `GET /policy-sets` query. */
export const PolicySetHistoryQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }, { additionalProperties: false });
export type PolicySetHistoryQuery = Static<typeof PolicySetHistoryQuery>;

/** `GET /policy-sets/{version}` answer: one version with its policies and entities. */
export const PolicySetVersion = Type.Object({
  version: Type.Integer(),
  created_at: Time,
  created_by: Type.String(),
  comment: Type.String(),
  policies: Type.Array(Type.Object({ id: Type.String(), description: Type.String(), text: Type.String() })),
  entities: Type.Array(JsonObject()),
});
export type PolicySetVersion = Static<typeof PolicySetVersion>;

/** Path parameters of `/policy-sets/{version}`. */
export const PolicySetParams = Type.Object({ version: Version }, { additionalProperties: false });

/** An entity's type and id, in Cedar's entity JSON. */
const EntityUid = Type.Object({ type: Type.String({ minLength: 1, maxLength: 256 }), id: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false });

/** One described entity (a `Resource` or a `Group`), in Cedar's entity JSON (docs/policy.md). */
export const PolicyEntity = Type.Object(
  {
    uid: EntityUid,
    attrs: Type.Optional(JsonObject()),
    parents: Type.Optional(Type.Array(EntityUid, { maxItems: 100 })),
    tags: Type.Optional(JsonObject()),
  },
  { additionalProperties: false },
);
export type PolicyEntity = Static<typeof PolicyEntity>;

/** What a proposed change holds: Cedar text, whether it replaces the whole set, and entities. */
const proposal = {
  source: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_POLICY_SOURCE_CHARS })),
  replace: Type.Optional(Type.Boolean()),
  entities: Type.Optional(Type.Array(PolicyEntity, { maxItems: MAX_ENTITIES })),
};

/** `POST /policies/validate` body. */
export const ValidatePoliciesRequest = Type.Object(
  { source: Type.String({ minLength: 1, maxLength: MAX_POLICY_SOURCE_CHARS }), replace: proposal.replace, entities: proposal.entities },
  { additionalProperties: false },
);
export type ValidatePoliciesRequest = Static<typeof ValidatePoliciesRequest>;

/** `POST /policies/validate` answer (a source that does not validate is a 422 `policy_invalid`). */
export const PolicyValidation = Type.Object({ ok: Type.Boolean(), policies: Type.Array(Type.String()) });
export type PolicyValidation = Static<typeof PolicyValidation>;

/** `POST /policies/apply` body. */
export const ApplyPoliciesRequest = Type.Object(
  {
    ...proposal,
    comment: Type.Optional(Type.String({ maxLength: 500 })),
    expected_version: Type.Optional(Version),
  },
  { additionalProperties: false },
);
export type ApplyPoliciesRequest = Static<typeof ApplyPoliciesRequest>;

/** `DELETE /policies/{id}` query. */
export const DeletePolicyQuery = Type.Object({ expected_version: Type.Optional(Version) }, { additionalProperties: false });

/** What an applied change did: the new version and the diff. */
export const AppliedPolicyChange = Type.Object({
  version: Type.Integer(),
  added: Type.Array(Type.String()),
  changed: Type.Array(Type.String()),
  deleted: Type.Array(Type.String()),
  entities_changed: Type.Boolean(),
});
export type AppliedPolicyChange = Static<typeof AppliedPolicyChange>;

const Bounded = (max: number) => Type.String({ minLength: 1, maxLength: max });

/** The circumstances of a test request; each one left out takes the default docs/admin-api.md names. */
export const PolicyTestContext = Type.Object(
  {
    time: Type.Optional(Type.String({ format: 'date-time' })),
    source_ip: Type.Optional(Type.String({ maxLength: 64 })),
    binding: Type.Optional(StringEnum(['none', 'dpop', 'mtls'])),
    auth_method: Type.Optional(Bounded(64)),
    grant_type: Type.Optional(Type.String({ maxLength: 128 })),
    subject: Type.Optional(Type.String({ maxLength: 256 })),
    actors: Type.Optional(Type.Array(Bounded(256), { maxItems: 16 })),
    task_id: Type.Optional(Type.String({ maxLength: 256 })),
    requested_ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    renewal: Type.Optional(Type.Boolean()),
    risk: Type.Optional(StringEnum(['low', 'medium', 'high'])),
  },
  { additionalProperties: false },
);
export type PolicyTestContext = Static<typeof PolicyTestContext>;

/** `POST /policies/test` body: a request description, decided under the set in force or a proposed one. */
export const TestPoliciesRequest = Type.Object(
  {
    agent_id: AgentId,
    action: StringEnum(['issue_token', 'exchange_token', 'issue_certificate', 'register_agent']),
    resources: Type.Array(Bounded(2048), { maxItems: 20 }),
    scopes: Type.Array(Bounded(256), { maxItems: 50 }),
    scopes_requested: Type.Optional(Type.Boolean()),
    context: Type.Optional(PolicyTestContext),
    ...proposal,
  },
  { additionalProperties: false },
);
export type TestPoliciesRequest = Static<typeof TestPoliciesRequest>;

/** Cedar's decision on one (audience, scope) pair. */
export const PolicyPairDecision = Type.Object({
  resource: Type.String(),
  scope: Type.String(),
  allowed: Type.Boolean(),
  policies: Type.Array(Type.String()),
  errors: Type.Array(Type.String()),
  refusal: Type.Optional(Type.String()),
});

/** `POST /policies/test` answer: each pair's decision, and the operation's result as the server would shape it. */
export const PolicyTestResult = Type.Object({
  version: Type.Integer(),
  proposed: Type.Boolean(),
  decisions: Type.Array(PolicyPairDecision),
  result: Type.Object({
    allowed: Type.Boolean(),
    scopes: Type.Optional(Type.Array(Type.String())),
    ttl: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.String()),
    error_description: Type.Optional(Type.String()),
    decided_by: Type.Array(Type.String()),
    narrowed_scopes: Type.Optional(Type.Array(Type.String())),
    ttl_capped_from: Type.Optional(Type.Integer()),
    errors: Type.Optional(Type.Array(Type.String())),
  }),
});
export type PolicyTestResult = Static<typeof PolicyTestResult>;

/** `POST /policies/diff` body: a proposed change, replayed against the decisions since `since` ago. */
export const PolicyDiffRequest = Type.Object(
  { ...proposal, since: Type.String({ pattern: '^[1-9][0-9]{0,4}[smhd]$' }) },
  { additionalProperties: false },
);
export type PolicyDiffRequest = Static<typeof PolicyDiffRequest>;

/** One group of past requests whose outcome the proposed set would change. */
export const PolicyOutcomeChange = Type.Object({
  change: StringEnum(['allowed_to_denied', 'denied_to_allowed', 'narrowed', 'widened', 'shorter_ttl', 'longer_ttl']),
  agent_id: Type.String(),
  resource: Type.String(),
  scope: Type.String(),
  count: Type.Integer(),
  example: Type.Object({ seq: Type.Integer(), time: Time, recorded: Type.String(), proposed: Type.String() }),
});
export type PolicyOutcomeChange = Static<typeof PolicyOutcomeChange>;

/** `POST /policies/diff` answer. */
export const PolicyDiffReport = Type.Object({
  from: Time,
  to: Time,
  current_version: Type.Integer(),
  records_read: Type.Integer(),
  replayed: Type.Integer(),
  changed_requests: Type.Integer(),
  not_replayable: Type.Integer(),
  agents_missing: Type.Integer(),
  capped: Type.Boolean(),
  changes: Type.Array(PolicyOutcomeChange),
});
export type PolicyDiffReport = Static<typeof PolicyDiffReport>;

