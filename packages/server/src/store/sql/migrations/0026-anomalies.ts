import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): anomalies of agents' behaviour (docs/monitoring.md,
 * "Anomalies"). Baselines are not stored: they are rebuilt from the audit log at start. Details are
 * JSON text. Portable between SQLite and PostgreSQL.
 */

/** Creates `anomalies`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('anomalies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // An anomaly is one agent's: it goes with the agent.
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('detector', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('detected_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_by', 'text')
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('anomalies_detected_idx').on('anomalies').columns(['detected_at', 'id']).execute();
  await db.schema.createIndex('anomalies_agent_idx').on('anomalies').columns(['agent_id', 'detected_at']).execute();
  await db.schema.createIndex('anomalies_state_idx').on('anomalies').columns(['state', 'detected_at']).execute();
}

/** Drops `anomalies`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('anomalies').execute();
}
