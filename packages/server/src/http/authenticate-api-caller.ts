import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { AuditEvent } from '../events/audit-events.js';
import { OAuthError } from '../oauth/oauth-error.js';

/** How an API that takes our own access tokens (SSF, AuthZEN) checks its caller, and records a refusal. */
export interface ApiCallerCheck {
  /** Checks `Authorization` (the token, its scope); throws an `OAuthError` (401/403 with a challenge). */
  authenticate: (authorization: string | undefined) => Promise<{ agentId: string }>;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}

/**
 * The calling agent's id, or the refusal thrown after its audit record (`event`, with the status
 * and the route, never the token): one refused request, one record.
 */
export async function authenticateApiCaller(check: ApiCallerCheck, request: FastifyRequest, event: AuditEvent): Promise<string> {
  const authorization = request.headers.authorization;
  try {
    return (await check.authenticate(typeof authorization === 'string' ? authorization : undefined)).agentId;
  } catch (error) {
    if (error instanceof OAuthError) {
      await check.audit.record({
        time: check.clock.now(),
        event,
        outcome: 'failure',
        agentId: null,
        actor: null,
        sourceIp: request.ip,
        reason: error.detail,
        requestId: request.id,
        details: { status: error.status, path: request.routeOptions.url ?? '' },
      });
    }
    throw error;
  }
}
