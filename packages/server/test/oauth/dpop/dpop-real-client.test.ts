import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, startListeningTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';


/**
 * An independent DPoP client (oauth4webapi) over real HTTP, with server nonces required: it
 * discovers the algorithms, learns the nonce from `use_dpop_nonce` (RFC 9449 §8), retries, and
 * gets a DPoP-bound token.
 */
describe('a real DPoP client (oauth4webapi) over HTTP, nonces required', () => {
  let t: TestServer;
  let issuer: URL;
  let agent: TestAgent;
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    ({ t, issuer } = await startListeningTestServer('sqlite', { AGENTAUTH_DPOP_NONCE: 'required' }));
    agent = await createAgent(t.server, { dpop_bound_access_tokens: true });
  });
  afterAll(async () => t?.close());

  it('gets a DPoP-bound token after one use_dpop_nonce round trip', async () => {
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'PS256']);
    const client: oauth.Client = { client_id: agent.id };
    const auth = oauth.PrivateKeyJwt({ key: agent.privateKey, kid: agent.kid });
    const keyPair = await generateKeyPair('ES256', { extractable: true });
    const DPoP = oauth.DPoP(client, keyPair);
    const request = () => oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'orders:read' }, { ...insecure, DPoP });

    t.clock.set(Date.now());
    let nonceErrors = 0;
    let tokens: oauth.TokenEndpointResponse | undefined;
    for (let attempt = 0; attempt < 2 && tokens === undefined; attempt += 1) {
      try {
        tokens = await oauth.processClientCredentialsResponse(as, client, await request());
      } catch (error) {
        if (!oauth.isDPoPNonceError(error)) throw error;
        nonceErrors += 1;
      }
    }
    expect(nonceErrors).toBe(1);
    expect(tokens?.token_type).toBe('dpop');
    expect(decodeJwt(tokens!.access_token).cnf).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)) });
  });
});
