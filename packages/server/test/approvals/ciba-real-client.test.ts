import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { answer, createCibaAgent, createPersonIn, DETAIL_TYPES, RESOURCE, signInApprover } from './approval-harness.js';

/**
 * CIBA against an independent client (oauth4webapi's backchannel authentication functions) over
 * real HTTP: discovery, the request, a pending poll, the person's approval, the grant.
 */
describe('CIBA with a real OAuth client (oauth4webapi)', () => {
  let t: TestServer;
  let as: oauth.AuthorizationServer;
  let agent: TestAgent;
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentauth-types-'));
    await writeFile(join(dir, 'types.json'), JSON.stringify(DETAIL_TYPES));
    let issuer: URL;
    ({ t, issuer } = await startListeningTestServer('sqlite', { AGENTAUTH_APPROVAL_TYPES_FILE: join(dir, 'types.json') }));
    await createPersonIn(t, 'alice@example.com', []);
    agent = await createCibaAgent(t, 'alice@example.com');
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
  });
  afterAll(async () => t?.close());

  it('discovers the endpoint, asks, polls, and redeems the approval for a token with the approved details', async () => {
    expect(as.backchannel_authentication_endpoint).toBe(`${as.issuer}/bc-authorize`);
    const client = { client_id: agent.id };
    const auth = oauth.PrivateKeyJwt({ key: agent.privateKey, kid: agent.kid });
    const details = [{ type: 'payment_initiation', amount: 700, currency: 'USD', locations: [RESOURCE] }];
    const asked = await oauth.processBackchannelAuthenticationResponse(
      as,
      client,
      await oauth.backchannelAuthenticationRequest(as, client, auth, { authorization_details: JSON.stringify(details), binding_message: 'Pay 700 USD' }, insecure),
    );
    expect(asked.expires_in).toBe(300);
    const pending = await oauth.backchannelAuthenticationGrantRequest(as, client, auth, asked.auth_req_id, insecure);
    await expect(oauth.processBackchannelAuthenticationGrantResponse(as, client, pending)).rejects.toMatchObject({ error: 'authorization_pending' });

    expect(await answer(t, await signInApprover(t, 'alice@example.com'), 'approve')).toBe('/account/approvals?said=approved');
    t.clock.advance(5_000);
    const granted = await oauth.processBackchannelAuthenticationGrantResponse(as, client, await oauth.backchannelAuthenticationGrantRequest(as, client, auth, asked.auth_req_id, insecure));
    expect(granted.token_type).toBe('bearer');
    expect(granted.authorization_details).toEqual(details);
  });
});
