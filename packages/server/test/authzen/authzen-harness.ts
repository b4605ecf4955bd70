import type { LightMyRequestResponse } from 'fastify';
import { ASSERTION_TYPE, clientAssertion, createAgent, FORM, form, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

/** A test server with a resource server's agent (the PEP) holding `agentauth:authorize`, and its token. */
export interface PdpHarness {
  t: TestServer;
  pep: TestAgent;
  token: string;
  /** POSTs `body` as JSON to an AuthZEN path with the PEP's token (or `token`). */
  ask(path: string, body: unknown, options?: { token?: string | null; headers?: Record<string, string>; raw?: string }): Promise<LightMyRequestResponse>;
  /** Replaces the policy set with `source` (and `entities`), as the admin API would. */
  policies(source: string): Promise<void>;
  close(): Promise<void>;
}

export const EVALUATION = '/access/v1/evaluation';
export const EVALUATIONS = '/access/v1/evaluations';

export async function startPdp(): Promise<PdpHarness> {
  const t = await startTestServer('sqlite');
  const pep = await createAgent(t.server, { name: 'orders-service', scopes: ['agentauth:authorize', 'agentauth:signals'] });
  const token = await accessToken(t, pep, 'agentauth:authorize');
  return {
    t,
    pep,
    token,
    ask(path, body, options = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
      const bearer = options.token === undefined ? token : options.token;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      return t.server.app.inject({ method: 'POST', url: path, headers, payload: options.raw ?? JSON.stringify(body) });
    },
    async policies(source) {
      await t.server.deps.policies.service.apply({ source, replace: true }, { actor: 'admin:bootstrap', sourceIp: null, requestId: null }, null);
    },
    close: () => t.close(),
  };
}

/** A real access token from `POST /token` for `resource` = the issuer. */
export async function accessToken(t: TestServer, agent: TestAgent, scope: string): Promise<string> {
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/token',
    headers: FORM,
    payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()), resource: ISSUER, scope }),
  });
  if (response.statusCode !== 200) throw new Error(`token request failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { access_token: string }).access_token;
}

/** The server's own issuance and registration permit, kept in every set the tests apply (the token endpoint and the registry decide under the same set). */
export const ISSUANCE = '@id("issuance")\npermit (principal, action in [Action::"issue_token", Action::"register_agent"], resource);\n';
