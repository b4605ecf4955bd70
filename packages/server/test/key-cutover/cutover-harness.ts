import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { BOOTSTRAP_TOKEN, createAgent, form, type TestAgent } from '../support/test-server.js';
import type { RunningServer } from '../signals/ssf-harness.js';

export const WEBHOOK_SECRET = 'key-cutover-webhook-secret-0123456789abcdef';
export const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

/** One webhook post as the receiver got it. */
export interface Posted {
  signature: string;
  body: string;
  json: { type: string; text: string; key_cutover: Record<string, unknown> };
}

/** A webhook receiver on a loopback port that records every post. */
export async function webhookReceiver(): Promise<{ url: string; posted: Posted[]; close(): Promise<void> }> {
  const posted: Posted[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      posted.push({ signature: String(request.headers['x-agentauth-signature']), body, json: JSON.parse(body) as Posted['json'] });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posted, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What a receiver does: recompute the HMAC over `<t>.<body>` and compare. */
export function verifies(post: Posted): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(post.signature);
  if (match === null) return false;
  return createHmac('sha256', WEBHOOK_SECRET).update(`${match[1]}.${post.body}`).digest('hex') === match[2];
}

/** The doors a key comes through, over the real listening server. */
export function doors(running: RunningServer, basic: string) {
  const post = async (path: string, body: Record<string, string>, auth?: string) => {
    const response = await fetch(`${running.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth === undefined ? {} : { authorization: auth }) }, body: form(body) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  return {
    /** A service asks about a managed key at `/introspect`, naming its resource. */
    introspect: (key: string, resource?: string) => post('/introspect', { token: key, ...(resource === undefined ? {} : { resource }) }, basic),
    /** A service asks about an imported key by digest. */
    digest: (digest: string, resource: string) => post('/introspect/key-digest', { key_digest: digest, resource }, basic),
    /** A legacy script exchanges its managed key for a token. */
    exchange: (key: string, resource: string) => post('/token', { grant_type: GRANT_TOKEN_EXCHANGE, subject_token: key, subject_token_type: TOKEN_TYPE_API_KEY, resource }),
  };
}

/** An admin API call through the server's own HTTP stack. */
export async function admin(running: RunningServer, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await running.server.app.inject({ method, url: `/admin/v1${url}`, headers: ADMIN, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  return { status: response.statusCode, json: response.json() as Record<string, unknown> };
}

/** The legacy agent holding keys, and the billing service allowed to introspect them. */
export async function cutoverAgents(running: RunningServer, resources: string[]): Promise<{ legacy: TestAgent; basic: string; serviceId: string }> {
  const legacy = await createAgent(running.server, { name: 'legacy-cron', resources, grant_types: ['client_credentials', GRANT_TOKEN_EXCHANGE] });
  const registered = await admin(running, 'POST', '/agents', { name: 'billing', owner: 'team-billing', scopes: ['agentauth:introspect'], resources, token_endpoint_auth_method: 'client_secret_basic' });
  const service = registered.json as { agent: { id: string }; client_secret: string };
  return { legacy, basic: `Basic ${Buffer.from(`${service.agent.id}:${service.client_secret}`).toString('base64')}`, serviceId: service.agent.id };
}
