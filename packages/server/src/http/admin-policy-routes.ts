import { PolicyLineage } from '../admin/policy-lineage.js';
import { AdminProblem } from '../admin/problem.js';
import { rfc3339 } from '../admin/wire/primitives.js';
import {
  AppliedPolicyChange,
  ApplyPoliciesRequest,
  DeletePolicyQuery,
  Policy,
  PolicyList,
  PolicyParams,
  PolicySetHistory,
  PolicySetHistoryQuery,
  PolicySetParams,
  PolicySetVersion,
  PolicyValidation,
  ValidatePoliciesRequest,
  type PolicyEntity,
} from '../admin/wire/policy.js';
import type { EntityJson } from '../policy/cedar.js';
import type { AppliedChange, PolicyChange, PolicyService } from '../policy/policy-service.js';
import { parsePolicySource } from '../policy/policy-source.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/**
 * Policy routes take a policy source of up to 1 MB (as JSON, escaped: up to twice that) and
 * entities; every other admin body stays at 64 KiB.
 */
export const POLICY_BODY_LIMIT = 3 * 1024 * 1024;

/**
 * What a change request carries, as the service takes it. An entity's `attrs` and `parents` may be
 * left out (none), as Cedar's entity JSON otherwise requires them.
 */
export function policyChangeOf(body: { source?: string; replace?: boolean; entities?: PolicyEntity[]; comment?: string; expected_version?: number }): PolicyChange {
  if (body.replace === true && body.source === undefined) throw new AdminProblem('validation_failed', 'replace needs a source: the policies that make up the whole set');
  if (body.source === undefined && body.entities === undefined) throw new AdminProblem('validation_failed', 'give a source (Cedar policies), entities, or both');
  return {
    ...(body.source === undefined ? {} : { source: body.source }),
    ...(body.replace === undefined ? {} : { replace: body.replace }),
    ...(body.entities === undefined ? {} : { entities: body.entities.map((e) => ({ ...e, attrs: e.attrs ?? {}, parents: e.parents ?? [] }) as EntityJson) }),
    ...(body.comment === undefined ? {} : { comment: body.comment }),
    ...(body.expected_version === undefined ? {} : { expectedVersion: body.expected_version }),
  };
}

function appliedJson(applied: AppliedChange): AppliedPolicyChange {
  return { version: applied.version, added: applied.added, changed: applied.changed, deleted: applied.deleted, entities_changed: applied.entitiesChanged };
}

/**
 * `/policies` and `/policy-sets` (docs/admin-api.md, "Policies"): the set in force by policy, its
 * history by version, and its changes: validate, apply (atomic, audited as `policy_set.applied`
 * with the diff, refused when stale, invalid or locking the admin API out) and delete.
 */
export function policyRoutes(service: PolicyService): AdminRoute[] {
  const lineage = new PolicyLineage((version) => service.version(version));
  return [
    adminRoute({
      method: 'GET',
      url: '/policies',
      operationId: 'listPolicies',
      summary: 'List the policies in force: the set version, and each policy id, description, effect and the version it last changed in.',
      schema: {},
      success: { status: 200, schema: PolicyList },
      authenticated: true,
      handler: async () => {
        const set = service.current();
        const changedIn = await lineage.changedIn(set.version);
        const items = [...set.policies.values()].map((p) => ({ id: p.id, description: p.description, effect: p.effect, changed_in: changedIn.get(p.id) ?? set.version }));
        return { version: set.version, items: items.sort((a, b) => a.id.localeCompare(b.id)) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/policies/:id',
      operationId: 'getPolicy',
      summary: 'One policy in force, with its Cedar text.',
      schema: { params: PolicyParams },
      success: { status: 200, schema: Policy },
      authenticated: true,
      handler: async ({ params }) => {
        const set = service.current();
        const policy = set.policies.get(params.id);
        if (policy === undefined) throw new AdminProblem('not_found', `no policy ${params.id} in the set in force (version ${set.version})`);
        const changedIn = await lineage.changedIn(set.version);
        return { id: policy.id, description: policy.description, effect: policy.effect, changed_in: changedIn.get(policy.id) ?? set.version, version: set.version, text: policy.text };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/policy-sets',
      operationId: 'listPolicySets',
      summary: 'The history of the policy set: applied versions, newest first (who, when, comment).',
      schema: { querystring: PolicySetHistoryQuery },
      success: { status: 200, schema: PolicySetHistory },
      authenticated: true,
      handler: async ({ query }) => {
        const items = await service.history(query.limit ?? 50);
        return { items: items.map((v) => ({ version: v.version, created_at: rfc3339(v.createdAt), created_by: v.createdBy, comment: v.comment, policy_count: v.policyCount })) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/policy-sets/:version',
      operationId: 'getPolicySet',
      summary: 'One version of the policy set with its policies and entities (0: the baseline).',
      schema: { params: PolicySetParams },
      success: { status: 200, schema: PolicySetVersion },
      authenticated: true,
      handler: async ({ params }) => {
        const v = await service.version(params.version);
        return { version: v.version, created_at: rfc3339(v.createdAt), created_by: v.createdBy, comment: v.comment, policies: v.policies, entities: v.entities as Record<string, unknown>[] };
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/policies/validate',
      operationId: 'validatePolicies',
      summary: "Validate Cedar policies against the schema, alone and as part of the set they would make; 422 policy_invalid with Cedar's messages and lines.",
      schema: { body: ValidatePoliciesRequest },
      bodyLimit: POLICY_BODY_LIMIT,
      success: { status: 200, schema: PolicyValidation },
      authenticated: true,
      handler: async ({ body }) => {
        service.validate(policyChangeOf(body));
        const parsed = parsePolicySource(body.source);
        return { ok: true, policies: parsed.ok ? parsed.policies.map((p) => p.id) : [] };
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/policies/apply',
      operationId: 'applyPolicies',
      summary: 'Add or replace policies (or the whole set with replace) and entities as the next version, atomically and audited; 409 conflict when expected_version is stale, 409 policy_lockout, 422 policy_invalid.',
      schema: { body: ApplyPoliciesRequest },
      bodyLimit: POLICY_BODY_LIMIT,
      success: { status: 200, schema: AppliedPolicyChange },
      authenticated: true,
      handler: async ({ body }, _reply, ctx) => appliedJson(await service.apply(policyChangeOf(body), ctx.audit, ctx.principal?.agentId ?? null)),
    }),
    adminRoute({
      method: 'DELETE',
      url: '/policies/:id',
      operationId: 'deletePolicy',
      summary: 'Delete one policy, as the next version of the set (audited; refused when it would lock the admin API out).',
      schema: { params: PolicyParams, querystring: DeletePolicyQuery },
      success: { status: 200, schema: AppliedPolicyChange },
      authenticated: true,
      handler: async ({ params, query }, _reply, ctx) => {
        const change: PolicyChange = { delete: [params.id], comment: `delete ${params.id}`, ...(query.expected_version === undefined ? {} : { expectedVersion: query.expected_version }) };
        return appliedJson(await service.apply(change, ctx.audit, ctx.principal?.agentId ?? null));
      },
    }),
  ];
}
