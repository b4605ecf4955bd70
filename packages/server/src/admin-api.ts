/**
 * @agentauth/server/admin-api: the admin API's wire shapes (docs/admin-api.md), for its clients
 * such as the CLI. One schema each gives these types, the server's request and response validation
 * and its OpenAPI document. Types only: importing them never loads the server.
 */
export type * from './admin/wire/agent.js';
export type * from './admin/wire/api-key.js';
export type * from './admin/wire/imported-key.js';
export type * from './admin/wire/anomaly.js';
export type * from './admin/wire/api-key-lookup.js';
export type * from './admin/wire/audit-record.js';
export type * from './admin/wire/audit-checkpoint.js';
export type * from './admin/wire/siem-status.js';
export type * from './admin/wire/certificate.js';
export type * from './admin/wire/enrollment-token.js';
export type * from './admin/wire/federation.js';
export type * from './admin/wire/least-privilege.js';
export type * from './admin/wire/migration-report.js';
export type * from './admin/wire/key-cutover.js';
export type * from './admin/wire/policy.js';
export type * from './admin/wire/problem.js';
export type * from './admin/wire/signing-key.js';
export type * from './admin/wire/stream.js';
export type * from './admin/wire/token.js';
export type * from './admin/wire/user.js';
export type * from './admin/wire/delegation.js';
export type * from './admin/wire/login-provider.js';
