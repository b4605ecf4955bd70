import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, FORM, form } from '../../support/test-server.js';

/** An agent of the load, with the private key its assertions are signed with. */
export interface LoadAgent {
  id: string;
  privateKey: CryptoKey;
  kid: string;
}

/** A token the server answered 200 with: the client holds it, so it must stay true. */
export interface AcknowledgedToken {
  accessToken: string;
  jti: string;
  /** The client it was issued to (it may introspect its own tokens, RFC 7662 §4). */
  agent: LoadAgent;
}

/**
 * What the server acknowledged to its clients: each entry was answered with success, so a crash
 * after it must not take it back. The reconciler (`reconcile.ts`) checks them all.
 */
export interface Acknowledged {
  tokens: AcknowledgedToken[];
  /** jtis whose revocation (RFC 7009) was answered 200. */
  revoked: Set<string>;
  /** jtis whose revocation was sent but never answered: either outcome is true. */
  revocationsInDoubt: Set<string>;
  /** Agents whose registration was answered 201. */
  agents: string[];
  /** `POST /admin/v1/keys/rotate` answers: the key that signs and the one prepared. */
  keyRotations: { activeKid: string; preparedKid: string }[];
  /** `POST /admin/v1/ca/rotate` answers: the issuing CA that became active. */
  caRotations: { activeId: string }[];
}

export function emptyAcknowledged(): Acknowledged {
  return { tokens: [], revoked: new Set(), revocationsInDoubt: new Set(), agents: [], keyRotations: [], caRotations: [] };
}

const admin = { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' };

/** Registers an agent with a fresh ES256 key through the admin API (201 is recorded as acknowledged). */
export async function registerAgent(url: string, acknowledged?: Acknowledged): Promise<LoadAgent> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const response = await fetch(`${url}/admin/v1/agents`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'load-agent', owner: 'team-faults', scopes: ['orders:read'], resources: ['https://api.example.com'], jwks: { keys: [publicJwk] } }),
  });
  if (response.status !== 201) throw new Error(`agent registration answered ${response.status}: ${await response.text()}`);
  const id = ((await response.json()) as { agent: { id: string } }).agent.id;
  acknowledged?.agents.push(id);
  return { id, privateKey, kid: 'k1' };
}

/** An RFC 7523 client assertion for `url`'s token endpoint audience (the issuer). */
export async function assertion(agent: LoadAgent, url: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: agent.id, sub: agent.id, aud: url, jti: crypto.randomUUID(), iat, exp: iat + 60 }).setProtectedHeader({ alg: 'ES256', kid: agent.kid }).sign(agent.privateKey);
}

/**
 * `POST /token`, client_credentials with private_key_jwt (RFC 7523 §2.2). `issuer` is the
 * assertion's audience: the node's own URL for one server, the shared issuer for a cluster's node.
 */
export async function requestToken(url: string, agent: LoadAgent, issuer = url): Promise<Response> {
  const body = form({ grant_type: 'client_credentials', scope: 'orders:read', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(agent, issuer) });
  return fetch(`${url}/token`, { method: 'POST', headers: FORM, body });
}

/** `POST /revoke` (RFC 7009) by the token's own client. */
export async function revokeToken(url: string, agent: LoadAgent, accessToken: string): Promise<Response> {
  const body = form({ token: accessToken, token_type_hint: 'access_token', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(agent, url) });
  return fetch(`${url}/revoke`, { method: 'POST', headers: FORM, body });
}

function jtiOf(accessToken: string): string {
  const payload = accessToken.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti: string }).jti;
}

export interface LoadOptions {
  url: string;
  agent: LoadAgent;
  /** One request every this many ms (a steady rate, not a closed loop: a slow server queues). */
  intervalMs: number;
  /** Revoke every n-th token received (0: never). */
  revokeEvery?: number;
  acknowledged: Acknowledged;
}

export interface LoadDriver {
  /** Requests answered (any status) and requests that failed at the transport (a killed server). */
  counts(): { answered: number; failed: number };
  /** Stops sending and waits for every request in flight to settle. */
  stop(): Promise<void>;
}

/**
 * Sends client_credentials requests at a steady rate and records what the server acknowledged. A
 * request that fails (connection refused or reset: the server was killed) is counted, never
 * retried: the client was told nothing, so the server owes it nothing.
 */
export function startLoad(options: LoadOptions): LoadDriver {
  const { url, agent, acknowledged } = options;
  const inFlight = new Set<Promise<void>>();
  let answered = 0;
  let failed = 0;
  let received = 0;

  async function once(): Promise<void> {
    try {
      const response = await requestToken(url, agent);
      answered++;
      if (response.status !== 200) return;
      const { access_token: accessToken } = (await response.json()) as { access_token: string };
      const jti = jtiOf(accessToken);
      acknowledged.tokens.push({ accessToken, jti, agent });
      received++;
      if (options.revokeEvery !== undefined && options.revokeEvery > 0 && received % options.revokeEvery === 0) {
        acknowledged.revocationsInDoubt.add(jti);
        const revoked = await revokeToken(url, agent, accessToken);
        if (revoked.status === 200) {
          acknowledged.revocationsInDoubt.delete(jti);
          acknowledged.revoked.add(jti);
        }
      }
    } catch {
      failed++;
    }
  }

  const timer = setInterval(() => {
    const run = once();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }, options.intervalMs);
  return {
    counts: () => ({ answered, failed }),
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
