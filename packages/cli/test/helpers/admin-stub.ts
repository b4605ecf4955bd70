import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach } from 'vitest';

import { abortableSleep, type CliIo } from '../../src/io.js';

/** One request as the stub server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers `METHOD /path` (path without query); return undefined to fall through to 404. */
export type Route = (req: SeenRequest, res: ServerResponse) => void;

/**
 * A real HTTP server on 127.0.0.1:0 answering canned admin-API responses. It stands in for the
 * agentauth server until that runs; end-to-end tests against the real one come later.
 */
export async function startAdminStub(routes: Record<string, Route>) {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const request: SeenRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const route = routes[`${request.method} ${request.path}`];
      if (route === undefined) return problem(res, 404, 'not_found', 'Not found', `no route ${request.method} ${request.path}`);
      route(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * For a test file whose tests each start their own stub: returns `setup(routes)`, which starts one,
 * and closes it after the test, whatever happened.
 */
export function adminStubPerTest() {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  return async (routes: Record<string, Route>) => {
    const server = await startAdminStub(routes);
    close = server.close;
    return server;
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function problem(res: ServerResponse, status: number, code: string, title: string, detail?: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: `urn:agentauth:problem:${code}`, title, status, code, ...(detail === undefined ? {} : { detail }) }));
}

/** An in-memory CliIo: captured output, the given env, real fetch, no real sleeping. */
export function testIo(env: Record<string, string> = {}, extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    env,
    fetch: globalThis.fetch,
    loadServer: () => Promise.reject(new Error('the server is not loaded in this test')),
    sleep: (_ms, signal) => abortableSleep(0, signal),
    ...extra,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A full Agent as the admin API returns it. */
export function agent(overrides: Record<string, unknown> = {}) {
  return {
    id: 'agt_1',
    client_id: 'agt_1',
    name: 'invoice-bot',
    owner: 'team-payments',
    description: '',
    status: 'active',
    scopes: ['invoices:read'],
    resources: ['https://api.example.com'],
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'private_key_jwt',
    access_token_ttl: null,
    labels: { env: 'prod' },
    jwks_uri: null,
    credentials: [{ id: 'crd_1', type: 'jwk', kid: 'k1', created_at: '2026-01-01T00:00:00Z', expires_at: null }],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    last_seen_at: null,
    ...overrides,
  };
}
