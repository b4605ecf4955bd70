import type { CommitLog } from '../../audit/commit-log.js';
import type { AuditEvent } from '../../events/audit-events.js';
import type { AuditInput } from '../../store/records.js';
import type { ReplayClaim } from '../../store/ports/replay-claim-store.js';
import { ClientAuthenticationError } from '../client-auth/authenticate-client.js';
import { invalidClient, OAuthError, TooManyFailuresError } from '../oauth-error.js';
import type { OAuthRequest } from '../oauth-request.js';

const audited = new WeakSet<object>();

/** Marks an error whose audit record was already written (by the commit log's `onReplay`). */
export function alreadyAudited<E extends object>(error: E): E {
  audited.add(error);
  return error;
}

/**
 * Writes the audit record of a refused protocol request (and, once the client authenticated, its
 * assertion claim, so a refused assertion cannot be replayed elsewhere), then rethrows. A
 * rejected request writes nothing but this (issue: "A rejected request writes nothing but its
 * audit record").
 */
export async function auditRefusal(
  commitLog: Pick<CommitLog, 'commit'>,
  request: OAuthRequest,
  error: unknown,
  context: { event: AuditEvent; agentId: string | undefined; now: number; claim?: ReplayClaim | undefined; details?: Record<string, unknown> },
): Promise<never> {
  // Past a failure limit: the failure this request was is audited; a request refused unchecked is
  // not (its limit's rate_limit.exceeded record stands for all of them).
  const refusal = error instanceof TooManyFailuresError ? error.failure : error;
  if (refusal instanceof OAuthError && !audited.has(refusal)) {
    const authFailure = refusal instanceof ClientAuthenticationError;
    const agentId = authFailure ? refusal.clientId : context.agentId;
    const record = {
      time: context.now,
      event: authFailure && refusal.code === 'invalid_client' ? ('client_authentication.failed' as const) : context.event,
      outcome: 'failure' as const,
      agentId: agentId === undefined ? null : agentId.slice(0, 64),
      actor: agentId === undefined ? null : `agent:${agentId.slice(0, 64)}`,
      sourceIp: request.sourceIp,
      reason: `${refusal.code}: ${refusal.detail}`,
      requestId: request.requestId,
      details: context.details ?? {},
    };
    await commitLog.commit({
      claims: context.claim ? [context.claim] : [],
      audit: [record],
      issuedTokens: [],
      onReplay: [{ ...record, reason: `${refusal.code}: ${refusal.detail}; assertion also replayed` }],
    });
  }
  throw error;
}

/**
 * Consumes the assertion's single-use claim (`jti`, RFC 7523 §3) before a state change that writes
 * its own audit record in its own transaction: a replayed assertion changes nothing, and is
 * recorded as `client_authentication.failed` (the request fails with `invalid_client`). A client
 * that authenticated without an assertion has nothing to claim.
 */
export async function claimAuthenticated(commitLog: Pick<CommitLog, 'commit'>, claim: ReplayClaim | undefined, record: AuditInput): Promise<void> {
  if (claim === undefined) return;
  const result = await commitLog.commit({
    claims: [claim],
    audit: [],
    issuedTokens: [],
    onReplay: [{ ...record, event: 'client_authentication.failed', outcome: 'failure', reason: 'invalid_client: assertion jti replayed', details: {} }],
  });
  if (!result.ok) throw alreadyAudited(invalidClient('assertion jti replayed'));
}

/**
 * Commits the audit record of an authenticated request together with its assertion's single-use
 * claim (`jti`, RFC 7523 §3). If another process or node used the assertion first, the record is
 * written as `client_authentication.failed` instead and the request fails with `invalid_client`.
 */
export async function commitAuthenticated(commitLog: Pick<CommitLog, 'commit'>, claim: ReplayClaim | undefined, record: AuditInput): Promise<void> {
  const result = await commitLog.commit({
    claims: claim ? [claim] : [],
    audit: [record],
    issuedTokens: [],
    onReplay: [{ ...record, event: 'client_authentication.failed', outcome: 'failure', reason: 'invalid_client: assertion jti replayed', details: {} }],
  });
  if (!result.ok) throw alreadyAudited(invalidClient('assertion jti replayed'));
}
