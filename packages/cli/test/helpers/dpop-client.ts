import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/** An agent's DPoP key and a proof maker for POST `<url>/token` (RFC 9449 §4.2), as a real client signs them. */
export async function dpopSigner(): Promise<(tokenUrl: string) => Promise<string>> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const jwk: JWK = { kty, crv, x, y };
  return (tokenUrl) =>
    new SignJWT({ jti: crypto.randomUUID(), htm: 'POST', htu: tokenUrl, iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .sign(privateKey);
}
