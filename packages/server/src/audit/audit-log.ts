import type { CommitLog } from './commit-log.js';

/** What a service that only audits takes of the commit log: one record, durable once it resolves. */
export type AuditLog = Pick<CommitLog, 'record'>;
