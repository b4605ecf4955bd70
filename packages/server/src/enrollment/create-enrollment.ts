import type { AgentService } from '../agents/agent-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { SqlEnrollmentStore } from '../store/sql/enrollment-queries.js';
import type { SqlContext } from '../store/sql/sql-context.js';
import type { AgentStore } from '../store/store.js';
import { EnrollmentService } from './enrollment-service.js';

/**
 * Builds the enrolment service over the server's SQL store (`store.context`). Throws TypeError
 * for a store without one: enrolment tokens live in the same database as the agents.
 */
export function enrollmentServiceOf(deps: { clock: Clock; random: Random; store: AgentStore; audit: AuditLog }, agents: AgentService): EnrollmentService {
  const context = (deps.store as Partial<{ context: SqlContext }>).context;
  if (context === undefined) throw new TypeError('enrolment needs the SQL store (store.context)');
  return new EnrollmentService({ clock: deps.clock, random: deps.random, audit: deps.audit, agents, agentStore: deps.store, store: new SqlEnrollmentStore(context) });
}
