import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';

import { createClientAssertion, OAuthClientError, requestClientCredentialsToken, UnexpectedResponseError } from '../src/index.js';
import { sendJson, startCannedServer, type Handler } from './helpers/canned-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(handler: Handler) {
  const server = await startCannedServer(handler);
  close = server.close;
  return server;
}

async function realAssertion(audience: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const assertion = await createClientAssertion({ clientId: 'agt_1', audience, key: privateJwk, alg: 'ES256' });
  return { assertion, privateJwk };
}

describe('requestClientCredentialsToken (RFC 6749 §4.4, RFC 7523 §2.2)', () => {
  it('posts a form with the assertion, scope and every resource, and returns the token', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { access_token: 'at.x.y', token_type: 'bearer', expires_in: 300, scope: 'a b' }));
    const { assertion } = await realAssertion(server.origin);
    const token = await requestClientCredentialsToken({
      tokenEndpoint: `${server.origin}/token`,
      clientId: 'agt_1',
      assertion,
      scope: 'a b',
      resource: ['https://api.example.com', 'https://files.example.com'],
    });
    expect(token).toMatchObject({ access_token: 'at.x.y', token_type: 'Bearer', expires_in: 300, scope: 'a b' });
    const [request] = server.seen;
    if (request === undefined) throw new Error('the server saw no request');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/token');
    expect(request.headers['content-type']).toContain('application/x-www-form-urlencoded');
    const form = new URLSearchParams(request.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_id')).toBe('agt_1');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(form.get('client_assertion')).toBe(assertion);
    expect(form.get('scope')).toBe('a b');
    expect(form.getAll('resource')).toEqual(['https://api.example.com', 'https://files.example.com']);
  });

  it('throws one OAuthClientError for an error response, without the assertion or key in it', async () => {
    const server = await serve((_req, res) => sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' }));
    const { assertion, privateJwk } = await realAssertion(server.origin);
    const error = await requestClientCredentialsToken({ tokenEndpoint: `${server.origin}/token`, clientId: 'agt_1', assertion }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthClientError);
    expect(error).toMatchObject({ error: 'invalid_client', error_description: 'client authentication failed', status: 401 });
    const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error);
    expect(everything).not.toContain(assertion);
    expect(everything).not.toContain(assertion.split('.')[2]);
    expect(everything).not.toContain(privateJwk.d);
  });

  it('treats an error status without a valid RFC 6749 §5.2 body as an unexpected response', async () => {
    const server = await serve((_req, res) => sendJson(res, 500, { message: 'boom' }));
    const { assertion } = await realAssertion(server.origin);
    const error = await requestClientCredentialsToken({ tokenEndpoint: `${server.origin}/token`, clientId: 'agt_1', assertion }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 500 });
  });

  it('rejects an error description with control characters instead of passing them on', async () => {
    const server = await serve((_req, res) => sendJson(res, 400, { error: 'invalid_request', error_description: 'bad\u001b[2J' }));
    const { assertion } = await realAssertion(server.origin);
    await expect(requestClientCredentialsToken({ tokenEndpoint: `${server.origin}/token`, clientId: 'agt_1', assertion })).rejects.toBeInstanceOf(
      UnexpectedResponseError,
    );
  });

  it('rejects a 200 answer that is not a token response', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { token_type: 'Bearer', expires_in: 60 }));
    const { assertion } = await realAssertion(server.origin);
    await expect(requestClientCredentialsToken({ tokenEndpoint: `${server.origin}/token`, clientId: 'agt_1', assertion })).rejects.toMatchObject({
      code: 'ERR_TOKEN_RESPONSE_INVALID',
    });
  });

  it('with tlsClientAuth sends client_id and no assertion (RFC 8705 §2): the TLS connection authenticates', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { access_token: 'at.x.y', token_type: 'Bearer', expires_in: 300 }));
    const token = await requestClientCredentialsToken({ tokenEndpoint: `${server.origin}/token`, clientId: 'agt_1', tlsClientAuth: true, scope: 'a' });
    expect(token.access_token).toBe('at.x.y');
    const form = new URLSearchParams(server.seen[0]?.body);
    expect([...form.keys()].sort()).toEqual(['client_id', 'grant_type', 'scope']);
    expect(form.get('client_id')).toBe('agt_1');
  });

  describe('misuse throws TypeError before any request', () => {
    it.each([
      ['an http token endpoint off loopback', { tokenEndpoint: 'http://as.example.com/token' }],
      ['a missing token endpoint', { tokenEndpoint: undefined }],
      ['an empty assertion', { assertion: '' }],
      ['no assertion and no tlsClientAuth', { assertion: undefined }],
      ['both an assertion and tlsClientAuth', { tlsClientAuth: true }],
      ['a tlsClientAuth that is not true', { assertion: undefined, tlsClientAuth: 'yes' }],
      ['an empty client id', { clientId: '' }],
      ['a malformed scope', { scope: 'a  b' }],
      ['a relative resource', { resource: '/api' }],
      ['a resource with a fragment', { resource: ['https://api.example.com/#x'] }],
    ])('%s', async (_name, override) => {
      const options = { tokenEndpoint: 'https://as.example.com/token', clientId: 'agt_1', assertion: 'a.b.c', ...override };
      await expect(requestClientCredentialsToken(options as never)).rejects.toThrow(TypeError);
    });
  });
});
