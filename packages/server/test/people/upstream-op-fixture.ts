import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * A small OpenID Provider on a loopback socket that answers as a real one does (discovery, JWKS,
 * the authorization endpoint, the token endpoint with client_secret_basic, single-use codes and a
 * PKCE S256 check) but can be told to misbehave, so each check of the relying party meets a real
 * failure: an ID token with the wrong nonce, issuer or audience, an expired one, one signed with
 * another key, a wrong `iss` on the authorization response (RFC 9207), an `error` answer. The
 * browser test runs against `oidc-provider` itself (packages/cli/test/upstream-browser.test.ts).
 */
export interface FixtureOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** How the next answers go wrong; reset with `{}`. */
  misbehave: Misbehaviour;
  /** The claims of the ID tokens about the person. */
  person: Record<string, unknown>;
  /** The OP's clock (ms): the test's frozen clock, so ID token times agree with the server's. */
  now: () => number;
  /** Follows our redirect to the authorization endpoint: the callback URL it redirects back to. */
  authorize(authorizationUrl: string): Promise<string>;
  close(): Promise<void>;
}

export interface Misbehaviour {
  /** `iss` on the authorization response: omitted, or another value. */
  responseIss?: 'absent' | 'wrong';
  /** Changes to the ID token's claims. */
  idToken?: (claims: JWTPayload) => JWTPayload;
  /** Sign the ID token with a key the JWKS does not hold. */
  foreignKey?: boolean;
  /** Answer the authorization request with this `error` instead of a code. */
  error?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function startFixtureOp(): Promise<FixtureOp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'op-key', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, { params: URLSearchParams; used: boolean }>();
  let counter = 0;
  const server: Server = createServer((req, res) => {
    void handle(req.url ?? '/', req.method ?? 'GET', req.headers.authorization, req).then(
      ({ status, headers, body }) => {
        res.writeHead(status, headers);
        res.end(body);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const op: FixtureOp = {
    issuer,
    clientId: 'agentauth-client',
    clientSecret: 'fixture-client-secret-0123456789',
    misbehave: {},
    person: {},
    now: () => Date.now(),
    async authorize(authorizationUrl) {
      const response = await fetch(authorizationUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || location === null) throw new Error(`fixture OP: authorization answered ${response.status}`);
      return location;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  async function readBody(req: NodeJS.ReadableStream): Promise<string> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return text;
  }

  async function handle(url: string, method: string, authorization: string | undefined, req: NodeJS.ReadableStream): Promise<Answer> {
    const json = (status: number, body: unknown): Answer => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { pathname, searchParams } = new URL(url, issuer);
    if (pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (pathname === '/jwks') return json(200, { keys: [jwk] });
    if (pathname === '/authorize') {
      const back = new URL(searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('state', searchParams.get('state') ?? '');
      if (op.misbehave.error !== undefined) back.searchParams.set('error', op.misbehave.error);
      else {
        const code = `code-${(counter += 1)}`;
        codes.set(code, { params: searchParams, used: false });
        back.searchParams.set('code', code);
      }
      if (op.misbehave.responseIss !== 'absent') back.searchParams.set('iss', op.misbehave.responseIss === 'wrong' ? 'https://evil.example' : issuer);
      return { status: 302, headers: { location: back.href }, body: '' };
    }
    if (pathname === '/token' && method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      // RFC 6749 §2.3.1: both halves form-urlencoded before Base64.
      const decoded = Buffer.from((authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
      const [id, secret] = decoded.map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      if (decoded.length !== 2 || id !== op.clientId || secret !== op.clientSecret) return json(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      if (grant === undefined || grant.used) return json(400, { error: 'invalid_grant' });
      grant.used = true;
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (grant.params.get('code_challenge_method') !== 'S256' || challenge !== grant.params.get('code_challenge')) return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
      if (form.get('redirect_uri') !== grant.params.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
      const now = Math.floor(op.now() / 1000);
      let claims: JWTPayload = { iss: issuer, sub: 'grace-0001', aud: op.clientId, iat: now, exp: now + 300, nonce: grant.params.get('nonce') ?? undefined, ...op.person };
      if (op.misbehave.idToken !== undefined) claims = op.misbehave.idToken(claims);
      const key: CryptoKey = op.misbehave.foreignKey === true ? foreign.privateKey : privateKey;
      const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'op-key', typ: 'JWT' }).sign(key);
      return json(200, { access_token: 'opaque-access-token', token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    return json(404, { error: 'not_found' });
  }

  return op;
}
