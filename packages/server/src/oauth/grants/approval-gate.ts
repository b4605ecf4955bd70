import type { AuthorizationDetail } from '@agentauth/protocol';

/**
 * What needs a person's approval (docs/approvals.md), as the grants that issue tokens without one
 * ask it: the approvals part implements it from the configured scopes and detail types.
 */
export interface ApprovalGate {
  /** Of `scopes`, those a token may carry only with an approval. */
  scopesNeedingApproval(scopes: readonly string[]): string[];
  /**
   * Parses an RFC 9396 `authorization_details` parameter for a token for `resource` issued without
   * approval; throws `invalid_authorization_details` when they are malformed or when any needs
   * approval (the description names the approval flow).
   */
  detailsWithoutApproval(raw: string, resource: string): AuthorizationDetail[];
}
