import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, type FetchErrorCode } from '../../src/net/fetch-error.js';
import { createGuardedWebFetch } from '../../src/net/guarded-web-fetch.js';

let server: Server;
let base: string;
const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
        res.end();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ pad: 'x'.repeat(2048) }));
      } else {
        res.writeHead(400, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end('{"error":"invalid_grant"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function refusal(promise: Promise<unknown>): Promise<FetchErrorCode> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof FetchError)) throw new Error(`expected a FetchError, got ${String(error)}`);
  return error.code;
}

describe('the guarded fetch with a Fetch-API answer (upstream OpenID Connect requests)', () => {
  it('POSTs a form with the headers given (a Headers object too) and hands back status, headers and body unjudged', async () => {
    const fetch = createGuardedWebFetch({ allowPrivateNetworks: true });
    const response = await fetch(`${base}/token`, { method: 'POST', headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic eDp5' }), body: new URLSearchParams({ code: 'c', grant_type: 'authorization_code' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_grant' });
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    const request = seen[seen.length - 1];
    expect(request).toMatchObject({ method: 'POST', url: '/token', body: 'code=c&grant_type=authorization_code', headers: { authorization: 'Basic eDp5', 'content-type': 'application/x-www-form-urlencoded', 'content-length': '36' } });
  });

  it('never follows a redirect: the 3xx is handed back, and the target is never asked', async () => {
    const fetch = createGuardedWebFetch({ allowPrivateNetworks: true });
    const before = seen.length;
    const response = await fetch(`${base}/redirect`, { method: 'GET', headers: {} });
    expect(response.status).toBe(302);
    expect(seen.length).toBe(before + 1);
  });

  it('refuses loopback and private targets unless allowed, and plain http to anything but loopback', async () => {
    expect(await refusal(createGuardedWebFetch()(`${base}/token`, { method: 'GET', headers: {} }))).toBe('address');
    expect(await refusal(createGuardedWebFetch({ resolve: async () => [{ address: '93.184.216.34', family: 4 }] })('http://idp.example.com/', { method: 'GET', headers: {} }))).toBe('scheme');
    expect(await refusal(createGuardedWebFetch({ resolve: async () => [{ address: '10.0.0.8', family: 4 }] })('https://idp.example.com/', { method: 'GET', headers: {} }))).toBe('address');
  });

  it('bounds the body, and sends only GET and POST with text bodies', async () => {
    const fetch = createGuardedWebFetch({ allowPrivateNetworks: true, maxBytes: 1024 });
    expect(await refusal(fetch(`${base}/big`, { method: 'GET', headers: {} }))).toBe('too_large');
    expect(await refusal(fetch(`${base}/x`, { method: 'DELETE', headers: {} }))).toBe('url');
    expect(await refusal(fetch(`${base}/x`, { method: 'POST', headers: {}, body: new Uint8Array(4) }))).toBe('url');
  });
});
