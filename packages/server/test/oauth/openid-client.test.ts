import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, startListeningTestServer, type TestServer } from '../support/test-server.js';

const RESOURCE = 'https://api.example.com';
/** Plain http is allowed on loopback only, and openid-client needs to be told (it is a test). */
const INSECURE = { execute: [client.allowInsecureRequests] };
/** RFC 8414 discovery: agentauth is an OAuth 2.0 authorization server, not an OpenID Provider. */
const OAUTH2 = { ...INSECURE, algorithm: 'oauth2' } as const;

/**
 * A standards-only RFC 7591 client, end to end over real HTTP: openid-client (v6) discovers the
 * server, registers itself with nothing but standard metadata and an initial access token, and gets
 * a token with client_credentials. No agentauth field, no agentauth code in the client.
 */
describe.each(BACKENDS)('a standards-only client: openid-client (%s)', (backend) => {
  describe('with AGENTAUTH_DEFAULT_RESOURCE', () => {
    let t: TestServer;
    let issuer: URL;
    beforeAll(async () => {
      ({ t, issuer } = await startListeningTestServer(backend, { AGENTAUTH_DEFAULT_RESOURCE: RESOURCE }));
    });
    afterAll(async () => t?.close());

    it('registers with no metadata at all and gets a token for the default resource', async () => {
      // RFC 7591 §2: an omitted token_endpoint_auth_method is client_secret_basic; the client says so.
      const config = await client.dynamicClientRegistration(issuer, {}, client.ClientSecretBasic(), { ...OAUTH2, initialAccessToken: BOOTSTRAP_TOKEN });
      const registered = config.clientMetadata();
      expect(registered).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', owner: 'admin:bootstrap', resources: [RESOURCE] });

      const tokens = await client.clientCredentialsGrant(config);
      expect(tokens.token_type).toBe('bearer');
      const claims = decodeJwt(tokens.access_token);
      expect(claims).toMatchObject({ iss: issuer.href.replace(/\/$/, ''), sub: config.clientMetadata().client_id, aud: RESOURCE });

      // The owner was not sent: the agent records who registered it, and the audit says it was defaulted.
      const id = registered.client_id;
      const audit = (await t.server.deps.store.queryAudit({ agentId: id, event: 'agent.registered' }, { limit: 5 })).items;
      expect(audit.map((r) => [r.actor, r.details['owner'], r.details['defaulted']])).toEqual([['admin:bootstrap', 'admin:bootstrap', ['owner', 'resources']]]);
    });

    it('registers for client_secret_post, which openid-client uses by default, and gets a token with a scope', async () => {
      const config = await client.dynamicClientRegistration(
        issuer,
        { client_name: 'report-bot', token_endpoint_auth_method: 'client_secret_post', scope: 'reports:read' },
        undefined,
        { ...OAUTH2, initialAccessToken: BOOTSTRAP_TOKEN },
      );
      const tokens = await client.clientCredentialsGrant(config, { scope: 'reports:read' });
      expect(tokens.scope).toBe('reports:read');
      expect(decodeJwt(tokens.access_token).aud).toBe(RESOURCE);
    });

    it('tells the client what is wrong with a scope it was not registered for', async () => {
      const config = await client.dynamicClientRegistration(issuer, { scope: 'reports:read' }, client.ClientSecretBasic(), { ...OAUTH2, initialAccessToken: BOOTSTRAP_TOKEN });
      const refused = await client.clientCredentialsGrant(config, { scope: 'reports:write' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(client.ResponseBodyError);
      expect(refused).toMatchObject({ error: 'invalid_scope', status: 400 });
      expect((refused as client.ResponseBodyError).error_description).toBe("scope 'reports:write' is not one of the scopes this client is registered for");

      const foreign = await client.clientCredentialsGrant(config, { resource: 'https://other.example.com' }).catch((error: unknown) => error);
      expect(foreign).toMatchObject({ error: 'invalid_target', status: 400 });
      expect((foreign as client.ResponseBodyError).error_description).toBe("resource 'https://other.example.com' is not one of the resources this client is registered for");
    });

    it('keeps the fixed description for a failed client authentication (a secret method other than the registered one)', async () => {
      // Registered for client_secret_basic (the RFC 7591 default), while openid-client's default
      // authentication is client_secret_post: the method must be the registered one.
      const config = await client.dynamicClientRegistration(issuer, {}, undefined, { ...OAUTH2, initialAccessToken: BOOTSTRAP_TOKEN });
      const refused = await client.clientCredentialsGrant(config).catch((error: unknown) => error);
      // A 401 with a challenge: openid-client raises it as such, and the body is RFC 6749 §5.2's.
      expect(refused).toBeInstanceOf(client.WWWAuthenticateChallengeError);
      const { status, response } = refused as client.WWWAuthenticateChallengeError;
      expect(status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' });
    });

    it('does not claim to be an OpenID Provider: the default (oidc) discovery finds nothing', async () => {
      const oidc = await client.discovery(issuer, 'any-client', undefined, undefined, INSECURE).catch((error: unknown) => error);
      expect(oidc).toBeInstanceOf(Error);
      expect((oidc as { cause?: unknown }).cause).toBeInstanceOf(Response);
      expect(((oidc as { cause: Response }).cause).status).toBe(404);
      const registration = await client.dynamicClientRegistration(issuer, {}, undefined, { ...INSECURE, initialAccessToken: BOOTSTRAP_TOKEN }).catch((error: unknown) => error);
      expect(((registration as { cause: Response }).cause).status).toBe(404);

      const oauth2 = await client.discovery(issuer, 'any-client', undefined, undefined, OAUTH2);
      expect(oauth2.serverMetadata()).toMatchObject({ issuer: issuer.href.replace(/\/$/, ''), registration_endpoint: `${issuer.href}register` });
    });
  });

  describe('without a default resource', () => {
    let t: TestServer;
    let issuer: URL;
    beforeAll(async () => {
      ({ t, issuer } = await startListeningTestServer(backend, {}));
    });
    afterAll(async () => t?.close());

    it('refuses a registration without resources, naming the field, and writes no agent', async () => {
      const before = (await t.server.deps.store.listAgents({}, { limit: 500 })).items.length;
      const refused = await client.dynamicClientRegistration(issuer, {}, undefined, { ...OAUTH2, initialAccessToken: BOOTSTRAP_TOKEN }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(client.ResponseBodyError);
      expect(refused).toMatchObject({ error: 'invalid_client_metadata', status: 400 });
      expect((refused as client.ResponseBodyError).error_description).toMatch(/^resources is required/);
      expect((await t.server.deps.store.listAgents({}, { limit: 500 })).items.length).toBe(before);

      const audit = (await t.server.deps.store.queryAudit({ event: 'client_registration.denied' }, { limit: 5 })).items;
      expect(audit.map((r) => [r.outcome, r.actor, r.reason?.split(':')[0]])).toEqual([['failure', 'admin:bootstrap', 'invalid_client_metadata']]);
      expect(audit[0]?.reason).toContain('resources is required');
    });

    it('registers with resources named, and the token is for them', async () => {
      const config = await client.dynamicClientRegistration(
        issuer,
        { resources: ['https://orders.example.com'], scope: 'orders:read' },
        client.ClientSecretBasic(),
        { ...OAUTH2, initialAccessToken: BOOTSTRAP_TOKEN },
      );
      const tokens = await client.clientCredentialsGrant(config);
      expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: 'https://orders.example.com', scope: 'orders:read' });
    });
  });
});
