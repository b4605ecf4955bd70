import type { TObject, TSchema } from 'typebox';
import { ADMIN_COMPONENTS } from './wire/components.js';

/** What the OpenAPI document needs to know of one admin route. */
export interface AdminRouteDescription {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify-style path under `/admin/v1`, e.g. `/agents/:id`. */
  url: string;
  operationId: string;
  summary: string;
  /** The schemas fastify validates the request with (admin/wire/). */
  schema: { body?: TSchema; querystring?: TObject; params?: TObject };
  /** Success status and the answer's schema (null for no body), in JSON unless another media type is named. */
  success: { status: number; schema: TSchema | null; mediaType?: string };
  /** False for the routes anyone may read (the OpenAPI document itself). */
  authenticated: boolean;
  /** Whether the route accepts a JSON body at all. */
  bodyOptional?: boolean;
  /** The largest body accepted, in bytes, where a route takes more than the admin API's 64 KiB. */
  bodyLimit?: number;
}

/** Each named component by its schema object. */
const COMPONENT_NAMES = new Map<unknown, string>(Object.entries(ADMIN_COMPONENTS).map(([name, schema]) => [schema, name]));

/**
 * A schema as the document shows it: plain JSON, with every named component inside it (found by
 * identity, so two equal-looking schemas are never confused) replaced by a reference to it.
 */
function documented(schema: unknown, self?: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((item) => documented(item));
  if (typeof schema !== 'object' || schema === null) return schema;
  const name = schema === self ? undefined : COMPONENT_NAMES.get(schema);
  if (name !== undefined) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, documented(value)]));
}

const PROBLEM_RESPONSE = { description: 'Problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };

/** `/agents/:id` -> `/agents/{id}` (OpenAPI 3.1 §4.8.2 path templating). */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The admin API's OpenAPI 3.1 document (`GET /admin/v1/openapi.json`), generated from the very
 * route descriptions the admin app registers, so it lists exactly the routes that exist.
 */
export function buildAdminOpenApi(routes: readonly AdminRouteDescription[], options: { serverUrl: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    const item = (paths[path] ??= {});
    item[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'agentauth admin API',
      version: '1',
      description: 'Manage agents, credentials, signing keys and the audit log (docs/admin-api.md).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: options.serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The bootstrap token, or an agentauth access token with scope agentauth:admin and the issuer as audience.',
        },
      },
      schemas: Object.fromEntries(Object.entries(ADMIN_COMPONENTS).map(([name, schema]) => [name, documented(schema, schema)])),
    },
  };
}

function operation(route: AdminRouteDescription): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  for (const [where, schema] of [['path', route.schema.params], ['query', route.schema.querystring]] as const) {
    const required: readonly string[] = schema?.required ?? [];
    for (const [name, propertySchema] of Object.entries(schema?.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || required.includes(name),
        schema: documented(propertySchema),
        ...('type' in propertySchema && propertySchema.type === 'array' ? { style: 'form', explode: true } : {}),
      });
    }
  }
  const success = route.success;
  const successResponse =
    success.schema === null
      ? { description: 'Done' }
      : { description: 'Success', content: { [success.mediaType ?? 'application/json']: { schema: documented(success.schema) } } };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.authenticated ? {} : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.schema.body === undefined
      ? {}
      : { requestBody: { required: route.bodyOptional !== true, content: { 'application/json': { schema: documented(route.schema.body) } } } }),
    responses: { [String(success.status)]: successResponse, default: PROBLEM_RESPONSE },
  };
}
