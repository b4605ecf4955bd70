import { Anomaly, AnomalyPage, AnomalyParams, AnomalyStateChange, anomalyToJson, ListAnomaliesQuery } from '../admin/wire/anomaly.js';
import { PAGE_LIMIT_DEFAULT } from '../admin/wire/primitives.js';
import type { AnomalyService } from '../anomalies/anomaly-service.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/**
 * The admin API of anomalies (docs/admin-api.md, "Anomalies"): list newest first, show,
 * acknowledge, resolve. Auditors and operators read; operators and admins change the state, each
 * change audited (`anomaly.acknowledged`, `anomaly.resolved`).
 */
export function anomalyRoutes(service: AnomalyService): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/anomalies',
      operationId: 'listAnomalies',
      summary: 'List anomalies, newest first, of one agent or all, in one state or all.',
      schema: { querystring: ListAnomaliesQuery },
      success: { status: 200, schema: AnomalyPage },
      authenticated: true,
      handler: async ({ query }) => {
        const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
        const items = await service.list({
          limit: limit + 1,
          ...(query.agent_id === undefined ? {} : { agentId: query.agent_id }),
          ...(query.state === undefined ? {} : { states: [query.state] }),
          ...(query.cursor === undefined ? {} : { before: query.cursor }),
        });
        const page = items.slice(0, limit).map(anomalyToJson);
        return items.length > limit ? { items: page, next_cursor: page[page.length - 1]?.id as string } : { items: page };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/anomalies/:id',
      operationId: 'getAnomaly',
      summary: 'Show one anomaly and its evidence.',
      schema: { params: AnomalyParams },
      success: { status: 200, schema: Anomaly },
      authenticated: true,
      handler: async ({ params }) => anomalyToJson(await service.get(params.id)),
    }),
    adminRoute({
      method: 'POST',
      url: '/anomalies/:id/acknowledge',
      operationId: 'acknowledgeAnomaly',
      summary: 'Acknowledge an open anomaly: seen and being looked at. It still raises the agent\'s risk level.',
      schema: { params: AnomalyParams, body: AnomalyStateChange },
      bodyOptional: true,
      success: { status: 200, schema: Anomaly },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => anomalyToJson(await service.acknowledge(params.id, body?.note, ctx.audit)),
    }),
    adminRoute({
      method: 'POST',
      url: '/anomalies/:id/resolve',
      operationId: 'resolveAnomaly',
      summary: 'Resolve an open or acknowledged anomaly; it no longer raises the agent\'s risk level.',
      schema: { params: AnomalyParams, body: AnomalyStateChange },
      bodyOptional: true,
      success: { status: 200, schema: Anomaly },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => anomalyToJson(await service.resolve(params.id, body?.note, ctx.audit)),
    }),
  ];
}
