import type { AgentService } from '../agents/agent-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { EnrollmentStore } from '../store/ports/enrollment-store.js';
import { EnrollmentService } from './enrollment-service.js';

/** Builds the enrolment service over the server's store: its enrolment tokens and its agents. */
export function enrollmentServiceOf(deps: { clock: Clock; random: Random; store: AgentStore & EnrollmentStore; audit: AuditLog }, agents: AgentService): EnrollmentService {
  return new EnrollmentService({ clock: deps.clock, random: deps.random, audit: deps.audit, agents, agentStore: deps.store, store: deps.store });
}
