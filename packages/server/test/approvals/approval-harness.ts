import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRANT_CIBA } from '@agentauth/protocol';
import { decodeJwt } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN, PASSWORD, signIn } from '../people/people-harness.js';
import { ASSERTION_TYPE, clientAssertion, createAgent, form, FORM, startTestServer, type Backend, type TestAgent, type TestServer } from '../support/test-server.js';

export const RESOURCE = 'https://api.example.com';

/** The detail types every approval test server runs with (docs/approvals.md, "Detail types"). */
export const DETAIL_TYPES = {
  payment_initiation: {
    description: 'A payment from the company account',
    fields: {
      amount: { type: 'number', required: true, minimum: 0, maximum: 1000000 },
      currency: { type: 'string', required: true, enum: ['EUR', 'USD'] },
      creditor: { type: 'string', maxLength: 100 },
    },
    approval: { field: 'amount', above: 100 },
  },
  account_closure: { fields: { account: { type: 'string', required: true } } },
};

/** A test server with approvals configured: `orders:write` needs approval, and the detail types above. */
export async function startApprovalServer(backend: Backend, env: Record<string, string> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'agentauth-types-'));
  const file = join(dir, 'types.json');
  await writeFile(file, JSON.stringify(DETAIL_TYPES));
  return startTestServer(backend, { AGENTAUTH_APPROVAL_TYPES_FILE: file, AGENTAUTH_APPROVAL_SCOPES: 'orders:write', ...env });
}

/** Creates a person (with groups) through the admin API; returns their id. */
export async function createPersonIn(t: TestServer, email: string, roles: string[], groups: string[] = []): Promise<string> {
  const response = await t.server.app.inject({ method: 'POST', url: '/admin/v1/users', headers: ADMIN, payload: { email, name: email.split('@')[0], roles, groups, password: PASSWORD } });
  if (response.statusCode !== 201) throw new Error(`createPerson: ${response.statusCode} ${response.body}`);
  return (response.json() as { id: string }).id;
}

/** An agent registered for client credentials and the CIBA grant, owned by `owner`. */
export function createCibaAgent(t: TestServer, owner: string, extra: Record<string, unknown> = {}): Promise<TestAgent> {
  return createAgent(t.server, { owner, grant_types: ['client_credentials', GRANT_CIBA], ...extra });
}

/** POST /bc-authorize with a fresh client assertion. */
export async function backchannel(t: TestServer, agent: TestAgent, params: Record<string, string>): Promise<LightMyRequestResponse> {
  const assertion = await clientAssertion(agent, t.clock.now());
  return t.server.app.inject({ method: 'POST', url: '/bc-authorize', headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...params }) });
}

/** POST /token with a fresh client assertion. */
export async function token(t: TestServer, agent: TestAgent, params: Record<string, string>): Promise<LightMyRequestResponse> {
  const assertion = await clientAssertion(agent, t.clock.now());
  return t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...params }) });
}

/** The CIBA token request of an `auth_req_id`. */
export function redeem(t: TestServer, agent: TestAgent, authReqId: string): Promise<LightMyRequestResponse> {
  return token(t, agent, { grant_type: GRANT_CIBA, auth_req_id: authReqId });
}

/** The claims of the access token in a token response. */
export function claimsOf(response: LightMyRequestResponse): Record<string, unknown> {
  return decodeJwt((response.json() as { access_token: string }).access_token) as Record<string, unknown>;
}

/** A person's session on the approval page. */
export interface Approver {
  cookie: string;
}

export async function signInApprover(t: TestServer, email: string): Promise<Approver> {
  return { cookie: `__Host-agentauth-session=${await signIn(t, email)}` };
}

/** GET /account/approvals. */
export function approvalsPage(t: TestServer, who: Approver): Promise<LightMyRequestResponse> {
  return t.server.app.inject({ method: 'GET', url: '/account/approvals', headers: { cookie: who.cookie } });
}

/** Answers the only (or the first) approval on the person's page, as the form does; returns where it sent the browser. */
export async function answer(t: TestServer, who: Approver, decision: 'approve' | 'deny', options: { reason?: string; id?: string } = {}): Promise<string> {
  const page = await approvalsPage(t, who);
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)?.[1] ?? '';
  const id = options.id ?? /name="id" value="([^"]+)"/.exec(page.body)?.[1] ?? 'none';
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/account/approvals/answer',
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, id, answer: decision, ...(options.reason === undefined ? {} : { reason: options.reason }) }).toString(),
  });
  return String(response.headers.location ?? response.statusCode);
}

/** The id of the approval on a page (for replaying an answer). */
export function approvalIdOn(html: string): string {
  return /name="id" value="([^"]+)"/.exec(html)?.[1] ?? '';
}
