import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../src/clock.js';
import { createGuardedFetch } from '../../../src/net/guarded-fetch.js';
import { CLIENT_METADATA_MAX_BYTES, ClientMetadataDocuments } from '../../../src/oauth/authorization/client-metadata-documents.js';
import { ClientMetadataError } from '../../../src/oauth/authorization/client-metadata-error.js';
import type { AuditInput } from '../../../src/store/records.js';

type Handler = (request: IncomingMessage, response: ServerResponse, url: string) => void;

const CTX = { actor: 'user:usr_1', sourceIp: '203.0.113.9', requestId: 'req-1' };

describe('Client ID Metadata Documents: fetch, rules and cache (draft-ietf-oauth-client-id-metadata-document §4)', () => {
  let server: Server;
  let base: string;
  let handle: Handler;
  let hits: string[];
  let clock: FrozenClock;
  let audit: AuditInput[];
  let documents: ClientMetadataDocuments;
  const open: Set<ServerResponse> = new Set();

  beforeAll(async () => {
    server = createServer((request, response) => {
      hits.push(request.url ?? '');
      open.add(response);
      response.on('close', () => open.delete(response));
      handle(request, response, `${base}${request.url ?? ''}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const response of open) response.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  // The deadline is injected: generous for a loaded machine, except where a test waits it out.
  const make = (allowPrivateNetworks = true, deadlineMs = 10_000) =>
    new ClientMetadataDocuments({
      fetch: createGuardedFetch({ allowPrivateNetworks, totalTimeoutMs: deadlineMs, connectTimeoutMs: deadlineMs, maxBytes: CLIENT_METADATA_MAX_BYTES }),
      clock,
      audit: { record: async (input) => void audit.push(input) },
      allowLoopback: allowPrivateNetworks,
    });
  beforeEach(() => {
    hits = [];
    audit = [];
    clock = new FrozenClock();
    documents = make();
    handle = serve((url) => documentFor(url));
  });

  const documentFor = (url: string, over: Record<string, unknown> = {}) => ({
    client_id: url,
    client_name: 'Desk MCP',
    client_uri: 'https://desk.example.com',
    redirect_uris: ['http://127.0.0.1:7777/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'orders:read',
    ...over,
  });
  const serve = (body: (url: string) => unknown, headers: Record<string, string> = {}): Handler => (_request, response, url) => {
    response.writeHead(200, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body(url)));
  };
  async function refused(path: string, instance = documents): Promise<ClientMetadataError> {
    const error = await instance.resolve(`${base}${path}`, CTX).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClientMetadataError);
    return error as ClientMetadataError;
  }

  it('reads a good document into a public client, with the host to show the person', async () => {
    const client = await documents.resolve(`${base}/client.json`, CTX);
    expect(client).toMatchObject({ clientId: `${base}/client.json`, name: 'Desk MCP', redirectUris: ['http://127.0.0.1:7777/callback'], scopes: ['orders:read'] });
    expect(client.document).toEqual({ host: new URL(base).host, clientUri: 'https://desk.example.com', logoUri: undefined, auth: { method: 'none' } });
    expect(audit).toEqual([]);
  });

  it('caches for max-age within [60 s, 1 h], and shares one fetch between concurrent requests', async () => {
    handle = serve((url) => documentFor(url), { 'cache-control': 'max-age=120' });
    const url = `${base}/cached.json`;
    await Promise.all([documents.resolve(url, CTX), documents.resolve(url, CTX), documents.resolve(url, CTX)]);
    expect(hits).toEqual(['/cached.json']);
    clock.advance(119_000);
    await documents.resolve(url, CTX);
    expect(hits).toHaveLength(1);
    clock.advance(2_000);
    await documents.resolve(url, CTX);
    expect(hits).toHaveLength(2);

    // no-store still holds a document 60 s; a year-long max-age only an hour.
    handle = serve((u) => documentFor(u), { 'cache-control': 'no-store' });
    await documents.resolve(`${base}/nostore.json`, CTX);
    clock.advance(59_000);
    await documents.resolve(`${base}/nostore.json`, CTX);
    expect(hits.filter((h) => h === '/nostore.json')).toHaveLength(1);
    handle = serve((u) => documentFor(u), { 'cache-control': 'max-age=31536000' });
    await documents.resolve(`${base}/long.json`, CTX);
    clock.advance(3_600_001);
    await documents.resolve(`${base}/long.json`, CTX);
    expect(hits.filter((h) => h === '/long.json')).toHaveLength(2);
  });

  it('never caches a refusal: a fixed document is read at the next request', async () => {
    handle = serve((url) => documentFor(url, { client_id: 'https://elsewhere.example.com/c' }));
    await refused('/fixed.json');
    handle = serve((url) => documentFor(url));
    expect((await documents.resolve(`${base}/fixed.json`, CTX)).name).toBe('Desk MCP');
    expect(hits).toEqual(['/fixed.json', '/fixed.json']);
  });

  it('refuses a document whose client_id is not the URL, character for character, and audits it', async () => {
    const variants = [(u: string) => `${u}/`, (u: string) => u.replace('/mismatch.json', '/MISMATCH.json'), () => undefined, () => 42];
    for (const variant of variants) {
      handle = serve((url) => documentFor(url, { client_id: variant(url) }));
      expect((await refused('/mismatch.json')).description).toMatch(/client_id must equal the URL/);
    }
    expect(audit).toHaveLength(variants.length);
    expect(audit[0]).toMatchObject({ event: 'client_metadata.refused', outcome: 'failure', actor: 'user:usr_1', sourceIp: '203.0.113.9', requestId: 'req-1', details: { client_id: `${base}/mismatch.json`, code: 'document' } });
  });

  it('refuses shared secrets and unknown methods, and private_key_jwt without exactly one usable key source', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };
    const cases: Record<string, unknown>[] = [
      { client_secret: 'hunter2' },
      { client_secret_expires_at: 0 },
      { token_endpoint_auth_method: 'client_secret_basic' },
      { token_endpoint_auth_method: 'client_secret_jwt' },
      { token_endpoint_auth_method: 'made_up' },
      { token_endpoint_auth_method: undefined },
      { token_endpoint_auth_method: 'private_key_jwt' },
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://desk.example.com/jwks', jwks: { keys: [publicJwk] } },
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://desk.example.com/jwks' },
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k1' }] } },
      { token_endpoint_auth_method: 'private_key_jwt', jwks: [publicJwk] },
    ];
    for (const over of cases) {
      handle = serve((url) => documentFor(url, over));
      const error = await refused('/auth.json');
      expect(error.code, JSON.stringify(over)).toBe('document');
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('accepts private_key_jwt with a jwks_uri or an inline JWK Set of public keys', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    handle = serve((url) => documentFor(url, { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://desk.example.com/jwks.json' }));
    expect((await documents.resolve(`${base}/uri.json`, CTX)).document?.auth).toEqual({ method: 'private_key_jwt', jwksUri: 'https://desk.example.com/jwks.json' });
    handle = serve((url) => documentFor(url, { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] } }));
    const inline = (await documents.resolve(`${base}/inline.json`, CTX)).document?.auth;
    expect(inline !== undefined && 'keys' in inline ? inline.keys.map((k) => k.kid) : []).toEqual(['k1']);
  });

  it('holds a document to the rules of every public client: redirect URIs, grants, name, scope, URIs', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ redirect_uris: [] }, /redirect_uris must be an array of 1 to 10/],
      [{ redirect_uris: ['http://evil.example.com/cb'] }, /http redirect URIs are allowed only on 127\.0\.0\.1/],
      [{ redirect_uris: ['https://app.example.com/cb#x'] }, /fragment/],
      [{ redirect_uris: ['javascript:alert(1)'] }, /redirect URI must be https/],
      [{ grant_types: ['client_credentials'] }, /grant_types/],
      [{ response_types: ['token'] }, /response_types/],
      [{ client_name: 'a\u0000b' }, /client_name/],
      [{ scope: 'agentauth:admin' }, /agentauth:\* scopes/],
      [{ client_uri: 'javascript:alert(1)' }, /client_uri must be an absolute URI that spells its host plainly/],
      [{ client_uri: 'http://desk.example.com' }, /client_uri must use https/],
      [{ logo_uri: 'http://desk.example.com/logo.png' }, /logo_uri must use https/],
    ];
    for (const [over, rule] of cases) {
      handle = serve((url) => documentFor(url, over));
      expect((await refused('/rules.json')).description).toMatch(rule);
    }
  });

  it('refuses what is not a JSON document served as application/json with 200', async () => {
    const cases: [Handler, string][] = [
      [(_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{"client_id":'), 'malformed'],
      [(_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('[]'), 'document'],
      [(_q, r, url) => r.writeHead(200, { 'content-type': 'text/html' }).end(JSON.stringify(documentFor(url))), 'content_type'],
      [(_q, r, url) => r.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(documentFor(url))), 'content_type'],
      [(_q, r) => r.writeHead(302, { location: `${base}/client.json` }).end(), 'redirect'],
      [(_q, r) => r.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data' }).end(), 'redirect'],
      [(_q, r) => r.writeHead(404).end(), 'status'],
    ];
    for (const [handler, code] of cases) {
      handle = handler;
      expect((await refused('/bad.json')).code).toBe(code);
    }
    expect(hits.every((h) => h === '/bad.json')).toBe(true);
  });

  it('refuses a body over 5 KiB, declared or streamed, without reading it all', async () => {
    handle = serve((url) => documentFor(url, { padding: 'x'.repeat(CLIENT_METADATA_MAX_BYTES) }));
    expect((await refused('/declared.json')).code).toBe('too_large');
    let written = 0;
    handle = (_q, r) => {
      r.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (written < 10 * 1024 * 1024 && !r.destroyed && r.write(' '.repeat(1024))) written += 1024;
        if (!r.destroyed && written < 10 * 1024 * 1024) r.once('drain', pump);
      };
      pump();
    };
    const error = await refused('/streamed.json');
    expect(error.code).toBe('too_large');
    expect(error.description).toBe('the client metadata document must be at most 5120 bytes');
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('gives up on a document that never finishes, at the injected deadline (300 ms here)', async () => {
    handle = (_q, r) => {
      r.writeHead(200, { 'content-type': 'application/json' });
      r.write('{"client_id":');
    };
    const error = await refused('/slow.json', make(true, 300));
    expect(error.code).toBe('timeout');
    expect(audit.at(-1)).toMatchObject({ event: 'client_metadata.refused', details: { code: 'timeout' } });
  });

  it('refuses loopback and private addresses without the opt-in, before connecting', async () => {
    const strict = make(false);
    expect((await refused('/client.json', strict)).code).toBe('client_id');
    await expect(strict.resolve('https://localhost/client.json', CTX)).rejects.toMatchObject({ code: 'address' });
    expect(hits).toEqual([]);
  });

  it('refuses a hostile client id URL without fetching it', async () => {
    for (const path of ['/client.json#x', '/a/../client.json', '/']) expect((await refused(path)).code).toBe('client_id');
    expect(hits).toEqual([]);
  });
});
