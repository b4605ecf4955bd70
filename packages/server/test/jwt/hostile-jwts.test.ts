import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { GRANT_CLIENT_CREDENTIALS, GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT } from '@agentauth/protocol';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederationWorld, type FederationWorld, type LocalIssuer } from '../federation/federation-fixtures.js';
import { ASSERTION_TYPE, clientAssertion, createAgent, form, FORM, ISSUER, type TestAgent } from '../support/test-server.js';

/**
 * Every door through which the server reads a JWT, and the same hostile headers and claims through
 * each: every one must be refused with the error that door documents (docs/errors.md), while the
 * untouched token it was derived from is accepted. Each hostile token is signed by the very key the
 * server trusts for its kind (or, for `none` and HMAC, by nothing or by that key's public JWK), so
 * only the header and claim rules (RFC 8725 §3, RFC 7519 §4.1, RFC 7523 §3, RFC 9068 §4) can refuse it.
 */

const API = 'https://api.example.com';
const K8S_ISS = 'https://kubernetes.default.svc.cluster.local';
const FEDERATED_SUB = 'system:serviceaccount:payments:worker';
const PRIVILEGED = 'agentauth:admin agentauth:cert agentauth:signals';

/** The kinds of JWT the server reads: its clients' assertions, trusted issuers' tokens, its own tokens. */
type Kind = 'assertion' | 'federated' | 'own';

/** The longest token of each kind the server reads (docs/oauth.md, docs/federation.md). */
const MAX_LENGTH: Record<Kind, number> = { assertion: 8 * 1024, federated: 16 * 1024, own: 8 * 1024 };

/** The key the server trusts for one kind of JWT. */
interface TrustedSigner {
  alg: string;
  kid: string;
  publicJwk: JWK;
  sign(input: Buffer): Promise<Buffer>;
}

type Claims = Record<string, unknown>;

interface Hostile {
  name: string;
  header?: (header: Claims, kind: Kind, signer: TrustedSigner) => Claims;
  claims?: (claims: Claims, now: number) => Claims;
  /** Rewrites the claims set's JSON text, for values JSON.stringify cannot write (1e400). */
  text?: (json: string) => string;
  /** Unsigned (`alg: none`), or HMAC keyed with the trusted key's public JWK (key confusion). */
  signature?: 'none' | 'hs256';
  oversized?: true;
}

const without = (claims: Claims, name: string): Claims => Object.fromEntries(Object.entries(claims).filter(([key]) => key !== name));

const HOSTILE: Hostile[] = [
  { name: 'alg none, unsigned', header: (h) => ({ ...h, alg: 'none' }), signature: 'none' },
  { name: 'alg HS256 keyed with the public key', header: (h) => ({ ...h, alg: 'HS256' }), signature: 'hs256' },
  { name: 'jwk header (the trusted key itself)', header: (h, _kind, signer) => ({ ...h, jwk: signer.publicJwk }) },
  { name: 'jku header', header: (h) => ({ ...h, jku: 'https://evil.example/jwks' }) },
  { name: 'x5u header', header: (h) => ({ ...h, x5u: 'https://evil.example/cert.pem' }) },
  { name: 'x5c header', header: (h) => ({ ...h, x5c: ['MIIBszCCAVmgAwIBAgIUWx'] }) },
  { name: 'x5t header', header: (h) => ({ ...h, x5t: 'dGhpcyBpcyBub3QgYSBjZXJ0' }) },
  { name: 'x5t#S256 header', header: (h) => ({ ...h, 'x5t#S256': 'dGhpcyBpcyBub3QgYSBjZXJ0aWZpY2F0ZSB0aHVtYnA' }) },
  { name: 'crit header', header: (h) => ({ ...h, crit: ['urn:example:must'], 'urn:example:must': true }) },
  // RFC 8725 §3.11: an access token is never taken for an assertion, nor a plain JWT for an access token.
  { name: 'wrong typ', header: (h, kind) => ({ ...h, typ: kind === 'own' ? 'JWT' : 'at+jwt' }) },
  { name: 'exp in the past, beyond the skew', claims: (c, now) => ({ ...c, exp: now - 120 }) },
  { name: 'nbf in the future, beyond the skew', claims: (c, now) => ({ ...c, nbf: now + 120 }) },
  { name: 'iat in the future, beyond the skew', claims: (c, now) => ({ ...c, iat: now + 120 }) },
  { name: 'exp not a number', claims: (c) => ({ ...c, exp: String(c['exp']) }) },
  { name: 'exp 1e400 (not finite)', text: (json) => json.replace(/"exp":\d+/, '"exp":1e400') },
  { name: 'iat -1e400 (not finite)', text: (json) => json.replace(/"iat":\d+/, '"iat":-1e400') },
  { name: 'iss missing', claims: (c) => without(c, 'iss') },
  { name: 'aud missing', claims: (c) => without(c, 'aud') },
  { name: 'exp missing', claims: (c) => without(c, 'exp') },
  { name: 'oversized', oversized: true },
];

/** What a caller sees: the status, and the error (or what stands for one at introspection and revocation). */
interface Answer {
  status: number;
  error?: string;
}

interface EntryPoint {
  name: string;
  kind: Kind;
  /** Claims of a token this door accepts; a fresh `jti` each time. */
  claims(now: number): Claims;
  /** Presents `token`; `twin` is the untouched token with the same claims (and `jti`). */
  present(token: string, twin: string): Promise<Answer>;
  accepted: Answer;
  refused: Answer;
  /** A token over its own bound is also over the form's 16 KiB per parameter: `invalid_request` (docs/oauth.md). */
  oversized?: Answer;
}

const FORM_TOO_LONG: Answer = { status: 400, error: 'invalid_request' };

describe('hostile JWTs are refused at every door, with that door\u2019s documented error', () => {
  let w: FederationWorld;
  let k8s: LocalIssuer;
  let worker: TestAgent;
  let user: TestAgent;
  const signers = {} as Record<Kind, TrustedSigner>;

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const seconds = () => Math.floor(w.t.clock.now() / 1000);

  async function jwt(kind: Kind, header: Claims, claimsText: string, signature?: 'none' | 'hs256'): Promise<string> {
    const input = `${b64(header)}.${Buffer.from(claimsText).toString('base64url')}`;
    const signer = signers[kind];
    let sig: Buffer;
    if (signature === 'none') sig = Buffer.alloc(0);
    else if (signature === 'hs256') sig = createHmac('sha256', JSON.stringify(signer.publicJwk)).update(input).digest();
    else sig = await signer.sign(Buffer.from(input));
    return `${input}.${sig.toString('base64url')}`;
  }

  function baseHeader(kind: Kind): Claims {
    const { alg, kid } = signers[kind];
    if (kind === 'own') return { alg, typ: 'at+jwt', kid };
    return kind === 'federated' ? { alg, kid, typ: 'JWT' } : { alg, kid };
  }

  /** The token `claims` make, and its hostile variant. */
  async function pair(entry: EntryPoint, hostile: Hostile | undefined): Promise<{ token: string; twin: string }> {
    const now = seconds();
    const claims = entry.claims(now);
    const header = baseHeader(entry.kind);
    const twin = await jwt(entry.kind, header, JSON.stringify(claims));
    if (hostile === undefined) return { token: twin, twin };
    let changed = hostile.claims ? hostile.claims(claims, now) : claims;
    if (hostile.oversized) changed = { ...changed, padding: 'x'.repeat(MAX_LENGTH[entry.kind]) };
    const text = hostile.text ? hostile.text(JSON.stringify(changed)) : JSON.stringify(changed);
    const token = await jwt(entry.kind, hostile.header ? hostile.header(header, entry.kind, signers[entry.kind]) : header, text, hostile.signature);
    return { token, twin };
  }

  const post = async (url: string, params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await w.t.server.app.inject({ method: 'POST', url, headers: FORM, payload: form(params) });
    return { status: response.statusCode, body: response.body === '' ? {} : (response.json() as Record<string, unknown>) };
  };
  const asWorker = async () => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(worker, w.t.clock.now()) });
  const oauth = (answer: { status: number; body: Record<string, unknown> }): Answer => ({ status: answer.status, ...(answer.status === 200 ? {} : { error: answer.body['error'] as string }) });
  const bearer = async (method: 'GET' | 'POST', url: string, token: string, payload?: Record<string, unknown>) => {
    const response = await w.t.server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }) });
    const body = response.body === '' ? {} : (response.json() as Record<string, unknown>);
    return { status: response.statusCode, body };
  };
  const introspect = async (token: string) => (await post('/introspect', { token, ...(await asWorker()) })).body['active'];

  function own(now: number, overrides: Claims): Claims {
    const jti = randomBytes(16).toString('base64url');
    return { iss: ISSUER, sub: worker.id, aud: API, exp: now + 300, iat: now, nbf: now, jti, client_id: worker.id, scope: 'orders:read', ...overrides };
  }

  beforeAll(async () => {
    // Every refusal here is a failed authentication; the limits would turn later ones into 429s.
    w = await startFederationWorld('sqlite', { AGENTAUTH_RATE_LIMITS: 'off' });
    k8s = await w.issuer(K8S_ISS, '/k8s/openid/v1/jwks');
    worker = await createAgent(w.t.server, {
      name: 'worker',
      grant_types: [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE, GRANT_JWT_BEARER],
      scopes: ['orders:read', ...PRIVILEGED.split(' ')],
    });
    user = await createAgent(w.t.server, { name: 'user' });
    const issuer = await w.admin('POST', '/trusted-issuers', { issuer: K8S_ISS, jwks_uri: k8s.jwksUrl, audiences: [ISSUER], max_token_lifetime: 3600 });
    expect(issuer.status).toBe(201);
    expect((await w.admin('POST', '/binding-rules', { issuer_id: issuer.body.id, agent_id: worker.id, claims: { '/sub': FEDERATED_SUB } })).status).toBe(201);

    const webCrypto = (algorithm: AlgorithmIdentifier | EcdsaParams, key: CryptoKey) => async (input: Buffer) => Buffer.from(await crypto.subtle.sign(algorithm, key, new Uint8Array(input)));
    signers.assertion = { alg: 'ES256', kid: worker.kid, publicJwk: worker.publicJwk, sign: webCrypto({ name: 'ECDSA', hash: 'SHA-256' }, worker.privateKey) };
    signers.federated = { alg: 'RS256', kid: k8s.kid, publicJwk: k8s.publicJwk, sign: webCrypto({ name: 'RSASSA-PKCS1-v1_5' }, k8s.privateKey) };
    const ours = w.t.server.deps.keys.signer();
    const publicJwk = (w.t.server.deps.keys.jwks().keys as JWK[]).find((k) => k.kid === ours.kid) as JWK;
    signers.own = { alg: ours.alg, kid: ours.kid, publicJwk, sign: async (input) => w.t.server.deps.keys.signer().sign(input) };
  });
  afterAll(async () => w?.close());

  const assertion = (now: number): Claims => ({ iss: worker.id, sub: worker.id, aud: ISSUER, jti: randomUUID(), iat: now, exp: now + 60 });
  const federated = (now: number): Claims => ({ iss: K8S_ISS, sub: FEDERATED_SUB, aud: [ISSUER], iat: now, nbf: now, exp: now + 600, jti: randomUUID() });
  const exchange = async (params: Record<string, string>) => oauth(await post('/token', { grant_type: GRANT_TOKEN_EXCHANGE, ...params, ...(await asWorker()) }));
  const refusedAs = (status: number, error: string): Answer => ({ status, error });
  /** client_credentials, the client authenticated by `token` as its client_assertion (RFC 7523 §2.2). */
  const clientCredentials = async (token: string) => oauth(await post('/token', { grant_type: GRANT_CLIENT_CREDENTIALS, resource: API, client_assertion_type: ASSERTION_TYPE, client_assertion: token }));
  /** An untouched token of ours, for the other party of an exchange. */
  const ownJwt = (overrides: Claims) => jwt('own', baseHeader('own'), JSON.stringify(own(seconds(), overrides)));
  const actorToken = (token: string) => ({ actor_token: token, actor_token_type: TOKEN_TYPE_ACCESS_TOKEN });

  /** A door of our own APIs: a bearer token for our issuer with every privileged scope; `member` holds the error. */
  const ownApi = (name: string, request: (token: string) => Promise<{ status: number; body: Claims }>, member: 'code' | 'error', accepted: Answer, refused: Answer): EntryPoint => ({
    name,
    kind: 'own',
    claims: (now) => own(now, { aud: ISSUER, scope: PRIVILEGED }),
    present: async (token) => {
      const answer = await request(token);
      const error = Array.isArray(answer.body) ? undefined : answer.body[member];
      return { status: answer.status, ...(typeof error === 'string' ? { error } : {}) };
    },
    accepted,
    refused,
  });

  const entryPoints: EntryPoint[] = [
    {
      name: 'private_key_jwt client_assertion at /token',
      kind: 'assertion',
      claims: assertion,
      present: clientCredentials,
      accepted: { status: 200 },
      refused: refusedAs(401, 'invalid_client'),
    },
    {
      name: 'jwt-bearer grant assertion (RFC 7523 §2.1)',
      kind: 'federated',
      claims: federated,
      present: async (token) => oauth(await post('/token', { grant_type: GRANT_JWT_BEARER, assertion: token, resource: API })),
      accepted: { status: 200 },
      refused: refusedAs(400, 'invalid_grant'),
      oversized: FORM_TOO_LONG,
    },
    {
      name: 'federated client_assertion (RFC 7523 §2.2)',
      kind: 'federated',
      claims: federated,
      present: clientCredentials,
      accepted: { status: 200 },
      refused: refusedAs(401, 'invalid_client'),
      oversized: FORM_TOO_LONG,
    },
    {
      name: 'token exchange subject_token, one of ours',
      kind: 'own',
      claims: (now) => own(now, {}),
      present: (token) => exchange({ subject_token: token, subject_token_type: TOKEN_TYPE_ACCESS_TOKEN }),
      accepted: { status: 200 },
      refused: refusedAs(400, 'invalid_request'),
    },
    {
      name: 'token exchange subject_token of a trusted issuer',
      kind: 'federated',
      claims: federated,
      // A trusted issuer's token stands for its bound agent: exchanging it is delegation, with an actor_token.
      present: async (token) => exchange({ subject_token: token, subject_token_type: TOKEN_TYPE_JWT, resource: API, ...actorToken(await ownJwt({})) }),
      accepted: { status: 200 },
      refused: refusedAs(400, 'invalid_request'),
    },
    {
      name: 'token exchange actor_token',
      kind: 'own',
      claims: (now) => own(now, {}),
      present: async (token) => exchange({ subject_token: await ownJwt({ sub: user.id, client_id: user.id }), subject_token_type: TOKEN_TYPE_ACCESS_TOKEN, ...actorToken(token) }),
      accepted: { status: 200 },
      refused: refusedAs(400, 'invalid_request'),
    },
    {
      name: 'introspection (RFC 7662)',
      kind: 'own',
      claims: (now) => own(now, {}),
      present: async (token) => {
        const answer = await post('/introspect', { token, ...(await asWorker()) });
        return { status: answer.status, ...(answer.body['active'] === true ? {} : { error: 'inactive' }) };
      },
      accepted: { status: 200 },
      refused: { status: 200, error: 'inactive' },
    },
    {
      name: 'revocation (RFC 7009): a refused token revokes nothing, not even the token its jti names',
      kind: 'own',
      claims: (now) => own(now, {}),
      present: async (token, twin) => {
        const answer = await post('/revoke', { token, ...(await asWorker()) });
        return { status: answer.status, ...((await introspect(twin)) === true ? { error: 'not revoked' } : {}) };
      },
      accepted: { status: 200 },
      refused: { status: 200, error: 'not revoked' },
    },
    ownApi('admin API', (token) => bearer('GET', '/admin/v1/agents', token), 'code', { status: 200 }, refusedAs(401, 'unauthenticated')),
    ownApi('CA API (a CSR that is refused once the token is accepted)', (token) => bearer('POST', '/ca/v1/certificates', token, { csr: 'not a CSR' }), 'error', { status: 400, error: 'invalid_csr' }, refusedAs(401, 'invalid_token')),
    ownApi('Shared Signals API', (token) => bearer('GET', '/ssf/streams', token), 'error', { status: 200 }, refusedAs(401, 'invalid_token')),
  ];

  describe.each(entryPoints)('$name', (entry) => {
    it('accepts the untouched token', async () => {
      const { token, twin } = await pair(entry, undefined);
      expect(await entry.present(token, twin)).toEqual(entry.accepted);
    });

    it.each(HOSTILE.map((h) => [h.name, h] as const))('refuses %s', async (_label, hostile) => {
      const { token, twin } = await pair(entry, hostile);
      const expected = hostile.oversized && entry.oversized !== undefined ? entry.oversized : entry.refused;
      expect(await entry.present(token, twin)).toEqual(expected);
    });
  });
});
