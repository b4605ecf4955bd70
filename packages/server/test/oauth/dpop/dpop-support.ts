import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { ASSERTION_TYPE, clientAssertion, form, FORM, type TestAgent, type TestServer } from '../../support/test-server.js';
import { dpopProof, type DpopTestKey, type ProofOverrides } from '../../../../resource-server/test/dpop/dpop-proof-fixtures.js';

export { dpopKey, dpopProof, unsignedProof, type DpopTestKey } from '../../../../resource-server/test/dpop/dpop-proof-fixtures.js';

/** A public issuer without an explicit port, so default-port and case variants of `htu` can be tried. */
export const DPOP_ISSUER = 'https://as.example.com';
export const TOKEN_URL = `${DPOP_ISSUER}/token`;

/** POST /token with a fresh client assertion and the given DPoP header value(s); no header when undefined. */
export async function tokenRequest(t: TestServer, agent: TestAgent, dpop: string | string[] | undefined, issuer = DPOP_ISSUER): Promise<LightMyRequestResponse> {
  const assertion = await clientAssertion(agent, t.clock.now(), { claims: { aud: issuer } });
  const headers: Record<string, string | string[]> = { ...FORM, ...(dpop === undefined ? {} : { dpop }) };
  return t.server.app.inject({
    method: 'POST',
    url: '/token',
    headers,
    payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }),
  });
}

/** A proof for this server's token endpoint at the server's current time. */
export function proofFor(t: TestServer, key: DpopTestKey, overrides: ProofOverrides = {}, htu = TOKEN_URL, htm = 'POST'): Promise<string> {
  return dpopProof(key, htm, htu, t.clock.now(), overrides);
}

/** The claims of an issued access token (already verified elsewhere; here only read). */
export function accessTokenClaims(response: LightMyRequestResponse): Record<string, unknown> {
  return decodeJwt((response.json() as { access_token: string }).access_token);
}
