import { Readable } from 'node:stream';
import { auditRecordToJson } from '../admin/audit-record-json.js';
import { exportAudit } from '../admin/export-audit.js';
import { verifyAuditChain } from '../audit/verify-audit-chain.js';
import type { AuditFilter, AuditStore } from '../store/ports/audit-store.js';
import { AdminProblem } from '../admin/problem.js';
import { AuditCheckpointPage, AuditCheckpointQuery } from '../admin/wire/audit-checkpoint.js';
import { AuditExportQuery, AuditPage, AuditQuery, AuditRecord, AuditVerdict, VerifyAuditRequest } from '../admin/wire/audit-record.js';
import { pageRequest, rfc3339 } from '../admin/wire/primitives.js';
import type { AuditCheckpointStore } from '../store/ports/audit-checkpoint-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

function auditFilter(query: AuditExportQuery): AuditFilter {
  const filter: AuditFilter = {};
  if (query.agent_id !== undefined) filter.agentId = query.agent_id;
  if (query.event !== undefined) filter.event = query.event;
  if (query.outcome !== undefined) filter.outcome = query.outcome;
  if (query.from !== undefined) filter.from = time('from', query.from);
  if (query.to !== undefined) filter.to = time('to', query.to);
  return filter;
}

function time(name: string, value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new AdminProblem('validation_failed', `${name} must be an RFC 3339 date-time`);
  return ms;
}

/**
 * `GET /audit`, `GET /audit/export`, `POST /audit/verify` and `GET /audit/checkpoints`
 * (docs/admin-api.md, docs/events.md, docs/operations.md).
 */
export function auditRoutes(deps: { store: Pick<AuditStore, 'queryAudit' | 'readAuditRange'> & Pick<AuditCheckpointStore, 'listAuditCheckpoints'> }): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/audit',
      operationId: 'queryAudit',
      summary: 'Audit records matching the filters, in seq order.',
      schema: { querystring: AuditQuery },
      success: { status: 200, schema: AuditPage },
      authenticated: true,
      handler: async ({ query }) => {
        const page = await deps.store.queryAudit(auditFilter(query), pageRequest(query));
        return { items: page.items.map(auditRecordToJson), ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/audit/export',
      operationId: 'exportAudit',
      summary: 'The matching audit records as NDJSON, one record a line, streamed.',
      schema: { querystring: AuditExportQuery },
      success: { status: 200, schema: AuditRecord, mediaType: 'application/x-ndjson' },
      authenticated: true,
      handler: async ({ query }, reply) => {
        const filter = auditFilter(query);
        reply.header('content-type', 'application/x-ndjson; charset=utf-8');
        return Readable.from(exportAudit(deps.store, filter));
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/audit/verify',
      operationId: 'verifyAuditChain',
      summary: 'Check the whole hash chain, and that it still holds an expected head kept elsewhere; reports the first broken link and the head.',
      schema: { body: VerifyAuditRequest },
      bodyOptional: true,
      success: { status: 200, schema: AuditVerdict },
      authenticated: true,
      handler: async ({ body }) => {
        const expected = body.expect_head;
        const verdict = await verifyAuditChain(deps.store, expected === undefined ? {} : { expectHead: expected });
        const head = verdict.head === undefined ? {} : { last_seq: verdict.head.seq, last_hash: verdict.head.hash };
        return verdict.ok
          ? { ok: true, records_checked: verdict.recordsChecked, ...head }
          : { ok: false, records_checked: verdict.recordsChecked, first_bad_seq: verdict.firstBadSeq, problem: verdict.problem, ...head };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/audit/checkpoints',
      operationId: 'listAuditCheckpoints',
      summary: 'The signed checkpoints of the audit head, oldest first (docs/operations.md, "Audit checkpoints").',
      schema: { querystring: AuditCheckpointQuery },
      success: { status: 200, schema: AuditCheckpointPage },
      authenticated: true,
      handler: async ({ query }) => {
        const page = await deps.store.listAuditCheckpoints(pageRequest(query));
        return {
          items: page.items.map((c) => ({ checkpoint: c.checkpoint, seq: c.seq, hash: c.hash, created_at: rfc3339(c.createdAt), kid: c.kid, jws: c.jws })),
          ...(page.next === undefined ? {} : { next_cursor: page.next }),
        };
      },
    }),
  ];
}
