import type { Logger } from 'pino';
import type { AgentService } from '../agents/agent-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { EnrollmentService } from '../enrollment/enrollment-service.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { EnrollmentStore } from '../store/ports/enrollment-store.js';
import type { Lifecycle } from './lifecycle.js';

/** How often expired enrolment tokens are deleted (ms). */
const ENROLLMENT_PRUNE_MS = 60_000;

/** The enrolment service over the server's store: its enrolment tokens and its agents. */
export function enrollmentServiceOf(deps: { clock: Clock; random: Random; store: AgentStore & EnrollmentStore; audit: AuditLog }, agents: AgentService): EnrollmentService {
  return new EnrollmentService({ clock: deps.clock, random: deps.random, audit: deps.audit, agents, agentStore: deps.store, store: deps.store });
}

/** One-time enrolment tokens (docs/agent-sdk.md), expired ones pruned every minute. */
export function wireEnrollment(deps: { clock: Clock; random: Random; logger: Logger; store: AgentStore & EnrollmentStore; audit: AuditLog; lifecycle: Lifecycle }, agents: AgentService): EnrollmentService {
  const enrollment = enrollmentServiceOf(deps, agents);
  const timer = setInterval(() => enrollment.pruneExpired().catch((error: unknown) => deps.logger.warn({ err: error }, 'pruning enrolment tokens failed')), ENROLLMENT_PRUNE_MS);
  timer.unref();
  deps.lifecycle.onClose('enrolment token pruning', () => clearInterval(timer));
  return enrollment;
}
