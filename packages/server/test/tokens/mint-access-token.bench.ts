/**
 * Not a test: measures the hot path of `POST /token` (ARCHITECTURE.md, The request that matters).
 * Run: npx vitest bench --run packages/server/test/tokens/mint-access-token.bench.ts
 */
import { constants, createPublicKey, verify } from 'node:crypto';
import type { AccessTokenClaims, SigningAlg } from '@agentauth/protocol';
import { jwtVerify, SignJWT } from 'jose';
import { bench, describe } from 'vitest';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import { createTokenSigner } from '../../src/keys/token-signer.js';
import { assertWellFormedAccessToken } from '../../src/tokens/assert-well-formed-access-token.js';
import { mintAccessToken } from '../../src/tokens/mint-access-token.js';

const ISSUER = 'https://as.example.com';
const now = Math.floor(Date.now() / 1000);
const claims: AccessTokenClaims = {
  iss: ISSUER,
  sub: 'agt_01HZX3K4M5N6P7Q8R9S0T1U2V3',
  aud: 'https://api.example.com',
  exp: now + 300,
  iat: now,
  nbf: now,
  jti: 'Jf2m4q8Zc1yQ0aP3rT5vW7xY9b',
  client_id: 'agt_01HZX3K4M5N6P7Q8R9S0T1U2V3',
  scope: 'tickets:read tickets:write',
};

for (const alg of ['ES256', 'EdDSA', 'PS256'] as SigningAlg[]) {
  const key = await generateSigningKey(alg);
  const signer = createTokenSigner(key.kid, alg, key.privateKey);
  const publicKey = createPublicKey(key.privateKey);
  const token = mintAccessToken(signer, claims);
  const expected = { alg, kid: key.kid, issuer: ISSUER };
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const verifyOptions = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : alg === 'PS256' ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : publicKey;

  describe(`${alg}: mint`, () => {
    bench('mintAccessToken (node:crypto, sync)', () => {
      mintAccessToken(signer, claims);
    });
    bench('jose SignJWT', async () => {
      await new SignJWT({ ...claims }).setProtectedHeader({ alg, typ: 'at+jwt', kid: key.kid }).sign(key.privateKey);
    });
  });

  describe(`${alg}: check after signing`, () => {
    bench('assertWellFormedAccessToken', () => {
      assertWellFormedAccessToken(token, expected);
    });
    bench('re-verify signature (node:crypto verify)', () => {
      verify(alg === 'EdDSA' ? null : 'sha256', Buffer.from(`${header}.${payload}`), verifyOptions, Buffer.from(signature, 'base64url'));
    });
    bench('re-verify (jose jwtVerify)', async () => {
      await jwtVerify(token, publicKey, { algorithms: [alg] });
    });
  });
}
