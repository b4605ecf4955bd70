// Child process: the ceiling, "a bare fastify endpoint doing only the
// cryptography with node:crypto". POST /token with client_credentials: parse the form, verify the
// ES256 client assertion (RFC 7523) with node:crypto against the one registered key, check its
// iss/sub/aud/exp, sign an RFC 9068 access token (ES256, typ at+jwt) and answer. Nothing else: no
// replay check, no storage, no audit, no validation beyond that. Not a server anyone should run;
// it shows how much of agentauth's time per token is the cryptography and HTTP it cannot avoid.
// Environment: BENCH_PORT, BENCH_CLIENT_ID, BENCH_CLIENT_JWK (public JWK JSON), BENCH_RESOURCE,
// BENCH_SCOPE, BENCH_TOKEN_TTL.
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { URLSearchParams } from 'node:url';
import Fastify from 'fastify';

const { BENCH_PORT, BENCH_CLIENT_ID, BENCH_CLIENT_JWK, BENCH_RESOURCE, BENCH_SCOPE, BENCH_TOKEN_TTL } = process.env;
const issuer = `http://127.0.0.1:${BENCH_PORT}`;
const clientKey = createPublicKey({ key: JSON.parse(BENCH_CLIENT_JWK), format: 'jwk' });
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: randomBytes(8).toString('base64url') })).toString('base64url');
const ttl = Number(BENCH_TOKEN_TTL);

const app = Fastify();
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, new URLSearchParams(body)));
app.get('/.well-known/oauth-authorization-server', async () => ({ issuer, token_endpoint: `${issuer}/token` }));
app.post('/token', async (request, reply) => {
  const form = request.body;
  const [h, p, s] = (form.get('client_assertion') ?? '').split('.');
  const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  const valid =
    form.get('grant_type') === 'client_credentials' &&
    verify('sha256', Buffer.from(`${h}.${p}`), { key: clientKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s ?? '', 'base64url')) &&
    claims.iss === BENCH_CLIENT_ID && claims.sub === BENCH_CLIENT_ID && claims.aud === issuer && claims.exp > now;
  if (!valid) return reply.code(401).send({ error: 'invalid_client' });
  const payload = { iss: issuer, sub: BENCH_CLIENT_ID, aud: BENCH_RESOURCE, iat: now, nbf: now, exp: now + ttl, jti: randomBytes(16).toString('base64url'), client_id: BENCH_CLIENT_ID, scope: BENCH_SCOPE };
  const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const token = `${input}.${sign('sha256', Buffer.from(input), { key: signingKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  reply.header('cache-control', 'no-store');
  return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: BENCH_SCOPE };
});
await app.listen({ host: '127.0.0.1', port: Number(BENCH_PORT) });
