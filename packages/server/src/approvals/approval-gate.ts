import type { ApprovalGate } from '../oauth/grants/approval-gate.js';
import { invalidAuthorizationDetails } from '../oauth/oauth-error.js';
import { APPROVAL_FLOW_HINT } from '../policy/policy-outcome.js';
import { detailsNeedingApproval, parseAuthorizationDetails } from './authorization-details.js';
import type { DetailTypes } from './detail-types.js';

/**
 * What needs a person's approval, from the settings (docs/approvals.md, "What needs approval"):
 * the scopes of `approvalScopes`, and each authorization detail whose type's rule says so
 * (`always`, or a field above its threshold). The policy layer's `@require_approval` is the third
 * source, applied where the policy decides (`policy/policy-outcome.ts`).
 */
export function approvalGate(settings: { scopes: readonly string[]; types: DetailTypes }): ApprovalGate {
  const gated = new Set(settings.scopes);
  return {
    scopesNeedingApproval: (scopes) => scopes.filter((s) => gated.has(s)),
    detailsWithoutApproval(raw, resource) {
      const details = parseAuthorizationDetails(raw, settings.types, resource);
      const needing = detailsNeedingApproval(details, settings.types);
      if (needing.length > 0) throw invalidAuthorizationDetails(`${needing[0] as string} needs a person's approval: ${APPROVAL_FLOW_HINT}`, `needs approval: ${needing.join('; ').slice(0, 300)}`);
      return details;
    },
  };
}
