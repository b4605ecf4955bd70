// An agent and the service it calls, run from a project that installed the packed tarballs: only
// the published entry points are used. A minimal authorization server started here stands in for
// agentauth, so the check needs no database: it verifies the agent's private_key_jwt assertion and
// mints an RFC 9068 token, which the service verifies through RFC 8414 discovery and the JWKS.
import { Buffer } from 'node:buffer';
import { randomUUID, webcrypto } from 'node:crypto';
import { createServer } from 'node:http';
import { createClientAssertion, discover, requestClientCredentialsToken } from '@agentauth/client';
import { createResourceServer, requireScopes, VerificationError } from '@agentauth/resource-server';

const { subtle } = webcrypto;
const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (segment) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

async function sign(header, payload, key) {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = await subtle.sign(ES256, key, Buffer.from(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const clientId = 'agt_packed';
const resource = 'https://orders.example.com';
const issuerKey = await subtle.generateKey(ES256, false, ['sign', 'verify']);
const agentKey = await subtle.generateKey(ES256, false, ['sign', 'verify']);
const jwk = { ...(await subtle.exportKey('jwk', issuerKey.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };

async function token(form) {
  const [header, payload, signature] = (form.get('client_assertion') ?? '').split('.');
  const valid = signature !== undefined && (await subtle.verify(ES256, agentKey.publicKey, Buffer.from(signature, 'base64url'), Buffer.from(`${header}.${payload}`)));
  if (!valid || form.get('client_id') !== clientId || decode(payload).sub !== clientId) return [401, { error: 'invalid_client' }];
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, sub: clientId, client_id: clientId, aud: form.get('resource'), scope: form.get('scope'), iat: now, exp: now + 300, jti: randomUUID() };
  return [200, { access_token: await sign({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }, claims, issuerKey.privateKey), token_type: 'Bearer', expires_in: 300, scope: claims.scope }];
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const [status, body] =
    req.url === '/.well-known/oauth-authorization-server' ? [200, { issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, token_endpoint_auth_methods_supported: ['private_key_jwt'] }]
    : req.url === '/jwks' ? [200, { keys: [jwk] }]
    : req.url === '/token' && req.method === 'POST' ? await token(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
    : [404, { error: 'not_found' }];
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

try {
  const metadata = await discover(issuer);
  const assertion = await createClientAssertion({ clientId, audience: issuer, key: agentKey.privateKey, alg: 'ES256' });
  const { access_token: accessToken } = await requestClientCredentialsToken({ tokenEndpoint: metadata.token_endpoint, clientId, assertion, scope: 'orders:read', resource });

  const service = createResourceServer({ issuer, resource, revocation: 'off' });
  const presented = (value) => new Request(`${resource}/orders`, { headers: { authorization: `Bearer ${value}` } });
  const principal = await service.verifyRequest(presented(accessToken), { checks: [requireScopes('orders:read')] });

  // The same signature over a payload that claims more scope must be refused.
  const [header, payload, signature] = accessToken.split('.');
  const forged = `${header}.${encode({ ...decode(payload), scope: 'orders:read orders:write' })}.${signature}`;
  const refusal = await service.verifyRequest(presented(forged)).then(() => undefined, (error) => error);

  console.log(JSON.stringify({
    principal: { agentId: principal.agentId, clientId: principal.clientId, scopes: principal.scopes, binding: principal.binding },
    forged: { isVerificationError: refusal instanceof VerificationError, status: refusal?.status, error: refusal?.error },
  }));
} finally {
  server.close();
}
