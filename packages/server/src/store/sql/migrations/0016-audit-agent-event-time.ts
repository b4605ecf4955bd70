import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): the least-privilege report (docs/least-privilege.md)
 * aggregates one agent's issuance records (`access_token.issued`, `certificate.issued`) within a
 * window of time, and asks for the latest one before it. Neither existing per-agent index serves
 * that: (agent_id, seq) visits every record the agent ever caused, (time) every agent's records in
 * the window. This one bounds both reads to the agent, the event and the window. Every audit
 * record pays for one more index entry; the report cannot be bounded without it.
 * Portable between SQLite and PostgreSQL.
 */

/** Adds the audit log's (agent_id, event, time) index. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('audit_log_agent_event_time_idx').on('audit_log').columns(['agent_id', 'event', 'time']).execute();
}

/** Drops it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_log_agent_event_time_idx').execute();
}
