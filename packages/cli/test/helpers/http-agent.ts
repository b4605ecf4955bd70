import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface HttpAgent {
  id: string;
  /** A fresh RFC 7523 client assertion for `server` (unique `jti` unless given, 60 s). */
  assertion(jti?: string): Promise<string>;
}

/** Registers an agent with a fresh ES256 key on a running server through the admin API. */
export async function registerAgentOverHttp(serverUrl: string, bootstrapToken: string, name: string): Promise<HttpAgent> {
  const keys = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' };
  const created = await fetch(`${serverUrl}/admin/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bootstrapToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, owner: 'team', scopes: ['a'], resources: ['https://api.example.com'], jwks: { keys: [jwk] } }),
  });
  if (created.status !== 201) throw new Error(`agent registration answered ${created.status}: ${await created.text()}`);
  const id = ((await created.json()) as { agent: { id: string } }).agent.id;
  return {
    id,
    assertion: (jti = crypto.randomUUID()) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: id, sub: id, aud: serverUrl, jti, iat: now, exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(keys.privateKey);
    },
  };
}
