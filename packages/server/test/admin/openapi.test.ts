import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { AUTH, startAdminHarness, type AdminHarness } from './admin-harness.js';

let h: AdminHarness;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
};
beforeAll(async () => {
  h = await startAdminHarness();
  doc = (await h.app.inject({ method: 'GET', url: '/admin/v1/openapi.json' })).json();
});
afterAll(async () => {
  await h.close();
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('GET /admin/v1/openapi.json', () => {
  it('lists exactly the admin routes the app registered, in both directions', () => {
    const registered = h.routes
      .filter((r) => r.includes(' /admin/v1/') && !r.startsWith('HEAD '))
      .map((r) => {
        const [method, url] = r.split(' ') as [string, string];
        return `${method} ${url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
      })
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((m) => HTTP_METHODS.includes(m)).map((m) => `${m.toUpperCase()} /admin/v1${path}`))
      .sort();
    expect(registered.length).toBeGreaterThan(10);
    expect(documented).toEqual(registered);
  });

  it('documents every route of docs/admin-api.md', async () => {
    const markdown = await readFile(new URL('../../../../docs/admin-api.md', import.meta.url), 'utf8');
    const inDocs = [...markdown.matchAll(/^\| `(GET|POST|PATCH|DELETE|PUT) \/admin\/v1([^`]+)`/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const inOpenApi = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(inDocs.length).toBeGreaterThan(10);
    expect(inOpenApi).toEqual(inDocs);
  });

  it('is OpenAPI 3.1 with unique operation ids, path parameters and resolvable references', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? []).toEqual(templated);
        expect(op.responses['default']).toBeDefined();
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1] as string);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
  });

  it('carries the request body schemas the app validates with', () => {
    const create = doc.paths['/agents']?.['post']?.requestBody as { content: { 'application/json': { schema: { required: string[]; additionalProperties: boolean } } } };
    expect(create.content['application/json'].schema.required).toEqual(['name', 'owner']);
    expect(create.content['application/json'].schema.additionalProperties).toBe(false);
  });

  it('describes every route\'s answer: a named schema for each body, none for 204, and every named schema is used', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const [status, ...others] = Object.keys(op.responses).filter((key) => key !== 'default');
        expect(others, `${method} ${path}`).toEqual([]);
        const content = op.responses[status!]?.content;
        if (status === '204') expect(content, `${method} ${path}`).toBeUndefined();
        else expect(Object.values(content ?? {})[0]?.schema.$ref, `${method} ${path}`).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/);
      }
    }
    const text = JSON.stringify(doc);
    expect(Object.keys(doc.components.schemas).filter((name) => !text.includes(`"#/components/schemas/${name}"`))).toEqual([]);
  });

  it('never sends an answer its own document contradicts: a stored agent outside the schema is a 500', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'odd-bot', owner: 'team' } });
    const id = (created.json() as { agent: { id: string } }).agent.id;
    await h.rawSql(`UPDATE agents SET token_endpoint_auth_method = 'not_a_method' WHERE id = '${id}'`);
    const read = await h.app.inject({ method: 'GET', url: `/admin/v1/agents/${id}`, headers: AUTH });
    expect(read.statusCode).toBe(500);
    expect(read.json()).toMatchObject({ code: 'internal_error' });
    expect(read.body).not.toContain('not_a_method');
  });
});
