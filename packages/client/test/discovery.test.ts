import { afterEach, describe, expect, it } from 'vitest';

import { discover, metadataUrl, UnexpectedResponseError } from '../src/index.js';
import { sendJson, startCannedServer, type Handler } from './helpers/canned-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(handler: (origin: string) => Handler) {
  let origin = '';
  const server = await startCannedServer((req, res) => handler(origin)(req, res));
  origin = server.origin;
  close = server.close;
  return server;
}

describe('discover (RFC 8414 §3)', () => {
  it('fetches the well-known metadata and returns it when the issuer matches', async () => {
    const server = await serve((origin) => (_req, res) => sendJson(res, 200, { issuer: origin, token_endpoint: `${origin}/token`, jwks_uri: `${origin}/jwks` }));
    const metadata = await discover(server.origin);
    expect(metadata.token_endpoint).toBe(`${server.origin}/token`);
    expect(server.seen[0]).toMatchObject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
  });

  it('rejects metadata whose issuer differs, even by a trailing slash (§3.3)', async () => {
    const server = await serve((origin) => (_req, res) => sendJson(res, 200, { issuer: `${origin}/`, token_endpoint: `${origin}/token` }));
    const error = await discover(server.origin).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UnexpectedResponseError).code).toBe('ERR_METADATA_ISSUER_MISMATCH');
  });

  it('rejects a token endpoint over plain http off loopback', async () => {
    const server = await serve((origin) => (_req, res) => sendJson(res, 200, { issuer: origin, token_endpoint: 'http://evil.example/token' }));
    await expect(discover(server.origin)).rejects.toMatchObject({ code: 'ERR_METADATA_INVALID' });
  });

  it('rejects a non-200 answer and a non-JSON body', async () => {
    const notFound = await serve(() => (_req, res) => sendJson(res, 404, { error: 'nope' }));
    await expect(discover(notFound.origin)).rejects.toMatchObject({ code: 'ERR_UNEXPECTED_STATUS', status: 404 });
    await close?.();
    const html = await serve(() => (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>');
    });
    await expect(discover(html.origin)).rejects.toMatchObject({ code: 'ERR_RESPONSE_NOT_JSON' });
  });

  it('stops reading an oversized body', async () => {
    const server = await serve(() => (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"pad":"${'x'.repeat(200_000)}"}`);
    });
    await expect(discover(server.origin)).rejects.toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE' });
  });

  it('puts the well-known path before the issuer path (§3.1)', () => {
    expect(metadataUrl('https://as.example.com/tenant/a').href).toBe('https://as.example.com/.well-known/oauth-authorization-server/tenant/a');
    expect(metadataUrl('https://as.example.com').href).toBe('https://as.example.com/.well-known/oauth-authorization-server');
  });

  it.each([undefined, '', 'as.example.com', 'http://as.example.com', 'https://as.example.com/?q=1', 'ftp://127.0.0.1'])(
    'throws TypeError for the issuer %j',
    async (issuer) => {
      await expect(discover(issuer as never)).rejects.toThrow(TypeError);
    },
  );
});
