import { afterEach, describe, expect, it } from 'vitest';

import { AdminApiError } from '../src/admin-api-error.js';
import { AdminClient } from '../src/admin-client.js';
import { ServerUnreachableError } from '../src/cli-errors.js';
import { agent, json, problem, startAdminStub } from './helpers/admin-stub.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function stub(routes: Parameters<typeof startAdminStub>[0]) {
  const server = await startAdminStub(routes);
  close = server.close;
  return server;
}

describe('AdminClient', () => {
  it('sends the bearer token and JSON body, and returns the created agent and secret', async () => {
    const server = await stub({ 'POST /admin/v1/agents': (_req, res) => json(res, 201, { agent: agent(), client_secret: 's3cr3t' }) });
    const client = new AdminClient({ baseUrl: `${server.url}/`, token: 'tok' });
    const result = await client.createAgent({ name: 'invoice-bot', owner: 'team-payments', scopes: ['invoices:read'] });
    expect(result.agent.id).toBe('agt_1');
    expect(result.client_secret).toBe('s3cr3t');
    const [request] = server.seen;
    expect(request?.headers.authorization).toBe('Bearer tok');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ name: 'invoice-bot', owner: 'team-payments', scopes: ['invoices:read'] });
  });

  it('encodes list filters, repeating label', async () => {
    const server = await stub({ 'GET /admin/v1/agents': (_req, res) => json(res, 200, { items: [agent()] }) });
    const client = new AdminClient({ baseUrl: server.url, token: 'tok' });
    await client.listAgents({ status: 'active', name: 'bot', labels: ['env=prod', 'tier=1'], limit: 10, cursor: 'c1' });
    const query = server.seen[0]?.query;
    expect(query?.get('status')).toBe('active');
    expect(query?.get('name')).toBe('bot');
    expect(query?.getAll('label')).toEqual(['env=prod', 'tier=1']);
    expect(query?.get('limit')).toBe('10');
    expect(query?.get('cursor')).toBe('c1');
  });

  it('escapes ids in paths so they cannot reach another route', async () => {
    const server = await stub({});
    const client = new AdminClient({ baseUrl: server.url, token: 'tok' });
    await expect(client.getAgent('a/b?c')).rejects.toBeInstanceOf(AdminApiError);
    expect(server.seen[0]?.path).toBe('/admin/v1/agents/a%2Fb%3Fc');
    await expect(client.getAgent('..')).rejects.toThrow(TypeError);
  });

  it('turns problem JSON into AdminApiError with its code, title and detail', async () => {
    const server = await stub({ 'POST /admin/v1/agents/agt_1/suspend': (_req, res) => problem(res, 409, 'invalid_state', 'Invalid state', 'agent is disabled') });
    const client = new AdminClient({ baseUrl: server.url, token: 'tok' });
    const error = await client.setAgentStatus('agt_1', 'suspend').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).toMatchObject({ status: 409, code: 'invalid_state', title: 'Invalid state', detail: 'agent is disabled' });
  });

  it('reports a non-problem error page as unexpected_response', async () => {
    const server = await stub({
      'GET /admin/v1/keys': (_req, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad gateway</h1>');
      },
    });
    const error = await new AdminClient({ baseUrl: server.url, token: 'tok' }).listKeys().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'unexpected_response' });
  });

  it('handles 204 answers for deletes', async () => {
    const server = await stub({
      'DELETE /admin/v1/agents/agt_1/credentials/crd_1': (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    });
    await new AdminClient({ baseUrl: server.url, token: 'tok' }).removeCredential('agt_1', 'crd_1');
    expect(server.seen[0]?.method).toBe('DELETE');
  });

  it('throws ServerUnreachableError naming only the origin when nothing listens', async () => {
    const server = await stub({});
    await server.close();
    close = undefined;
    const client = new AdminClient({ baseUrl: server.url, token: 'super-secret-token' });
    const error = await client.listKeys().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect(error).toMatchObject({ origin: server.url, reason: 'ECONNREFUSED' });
    expect(JSON.stringify(error) + String(error)).not.toContain('super-secret-token');
  });
});
