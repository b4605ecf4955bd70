import type { AuthorizationDetail, CibaDeliveryMode } from '@agentauth/protocol';
import type { AuditInput } from '../records.js';

/**
 * Where an approval stands (docs/approvals.md): `pending` until a person answers or it expires;
 * `approved` until the token grant consumes it once (`consumed`); `denied` and `expired` are final.
 */
export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'consumed'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * One CIBA authentication request (OpenID CIBA Core 1.0 §7.1) and its answer. The `auth_req_id`
 * is kept by SHA-256 only; `id` is a public handle (pages, audit records). All times are ms.
 */
export interface ApprovalRecord {
  /** `apr_...` */
  id: string;
  /** base64url SHA-256 of the `auth_req_id`. */
  requestHash: string;
  agentId: string;
  /** Who may answer: `user:<id>` or `group:<name>` (docs/approvals.md, "Who approves"). */
  approver: string;
  /** The one RFC 8707 resource the token will be for. */
  resource: string;
  scopes: string[];
  /** RFC 9396 authorization details, as validated. */
  authorizationDetails: AuthorizationDetail[];
  bindingMessage: string | null;
  deliveryMode: CibaDeliveryMode;
  /**
   * Ping mode: the client's `client_notification_token` and the `auth_req_id` the callback must
   * carry (CIBA Core 1.0 §10.2), as JSON sealed under the master key; null in poll mode.
   */
  pingSecrets: string | null;
  /** Seconds between polls (CIBA Core 1.0 §7.3 `interval`). */
  intervalSeconds: number;
  status: ApprovalStatus;
  /** The person's reason for their answer (a denial's is told to the agent). */
  reason: string | null;
  /** The id of the person who answered. */
  decidedBy: string | null;
  decidedAt: number | null;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
}

/** A person's answer. */
export interface ApprovalDecision {
  status: 'approved' | 'denied';
  decidedBy: string;
  reason: string | null;
  at: number;
}

/**
 * Approvals of risky actions. Every transition is one conditional write (pending → approved |
 * denied | expired, approved → consumed) and appends its audit records in the same transaction,
 * only when it happens.
 */
export interface ApprovalStore {
  createApproval(record: ApprovalRecord, audit: readonly AuditInput[]): Promise<void>;
  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  getApprovalByRequestHash(requestHash: string): Promise<ApprovalRecord | undefined>;
  /** Pending, unexpired at `now`, for any of `approvers`; oldest first, at most `limit`. */
  listPendingApprovals(approvers: readonly string[], now: number, limit: number): Promise<ApprovalRecord[]>;
  /**
   * For any of `approvers`, the approvals no longer waiting at `now` (answered, consumed, expired, or
   * pending past their expiry); newest first, at most `limit`.
   */
  listPastApprovals(approvers: readonly string[], now: number, limit: number): Promise<ApprovalRecord[]>;
  /** How many of the agent's approvals are pending and unexpired at `now`, counting no further than `cap`. */
  countPendingApprovals(agentId: string, now: number, cap: number): Promise<number>;
  /** Answers a pending approval unexpired at `decision.at`; false (and no record) otherwise. */
  decideApproval(id: string, decision: ApprovalDecision, audit: readonly AuditInput[]): Promise<boolean>;
  /** Marks a pending approval whose expiry has passed at `now` as expired; false otherwise. */
  expireApproval(id: string, now: number, audit: readonly AuditInput[]): Promise<boolean>;
  /** Spends an approved, unexpired approval once; false when it was not (or no longer) so. */
  consumeApproval(id: string, now: number): Promise<boolean>;
  /**
   * Records a poll at `now` when the last one was at least `minGapMs` before (or there was none);
   * false when the client polls too fast (CIBA Core 1.0 §11 `slow_down`).
   */
  notePoll(id: string, now: number, minGapMs: number): Promise<boolean>;
}
