import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../support/test-server.js';
import { accessToken, EVALUATION, EVALUATIONS, startPdp, type PdpHarness } from './authzen-harness.js';

// AuthZEN 1.0 §10.1.1, §10.1.2, §11.3: what the PDP refuses before it decides anything.
describe('AuthZEN refusals', () => {
  let h: PdpHarness;
  beforeAll(async () => {
    h = await startPdp();
  });
  afterAll(() => h.close());

  const subject = { type: 'agent', id: 'agt_x' };
  const action = { name: 'read' };
  const resource = { type: 'invoice', id: '1' };
  const refusal = async (path: string, body: unknown, options?: Parameters<PdpHarness['ask']>[2]) => {
    const response = await h.ask(path, body, options);
    return { status: response.statusCode, body: response.json() as { error: string; error_description: string }, headers: response.headers };
  };

  it.each([
    ['subject', { action, resource }, 'subject is required'],
    ['action', { subject, resource }, 'action is required'],
    ['resource', { subject, action }, 'resource is required'],
    ['subject.id', { subject: { type: 'agent' }, action, resource }, 'subject.id is required'],
    ['subject.type', { subject: { id: 'x' }, action, resource }, 'subject.type is required'],
    ['an empty subject.id', { subject: { type: 'agent', id: '' }, action, resource }, 'subject.id is required'],
    ['action.name', { subject, action: {}, resource }, 'action.name is required'],
    ['resource.type', { subject, action, resource: { id: '1' } }, 'resource.type is required'],
    ['resource.id as a number', { subject, action, resource: { type: 'invoice', id: 1 } }, 'resource.id must be a string'],
    ['properties as an array', { subject: { ...subject, properties: [] }, action, resource }, 'subject.properties must be a JSON object'],
    ['context as a string', { subject, action, resource, context: 'now' }, 'context must be a JSON object'],
    ['a body that is an array', [], 'the request body must be a JSON object'],
  ])('refuses an evaluation without or with a malformed %s: 400 naming it', async (_name, body, description) => {
    const answer = await refusal(EVALUATION, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'invalid_request', error_description: description });
  });

  it.each([
    ['an entry missing a member the defaults do not give', { subject, action, evaluations: [{ resource }, { action }] }, 'evaluations[1].resource is required'],
    ['an entry that is no object', { subject, action, resource, evaluations: [1] }, 'evaluations[0] must be a JSON object'],
    ['evaluations that is no array', { subject, action, resource, evaluations: {} }, 'evaluations must be an array'],
    ['an unknown semantic', { subject, action, evaluations: [{ resource }], options: { evaluations_semantic: 'first_wins' } }, 'options.evaluations_semantic must be one of execute_all, deny_on_first_deny, permit_on_first_permit'],
    ['a malformed default, even where every entry replaces it', { subject: { type: 'agent' }, action, evaluations: [{ subject, resource }] }, 'subject.id is required'],
    ['more than 100 evaluations', { subject, action, evaluations: Array.from({ length: 101 }, () => ({ resource })) }, 'evaluations holds at most 100 entries'],
    ['no member at all', {}, 'subject is required'],
  ])('refuses a batch with %s: 400 naming it', async (_name, body, description) => {
    const answer = await refusal(EVALUATIONS, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'invalid_request', error_description: description });
  });

  it('refuses a body that is not JSON, not sent as JSON, or over 64 KiB', async () => {
    expect((await refusal(EVALUATION, undefined, { raw: '{"subject": ' })).status).toBe(400);
    const form = await h.t.server.app.inject({ method: 'POST', url: EVALUATION, headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'subject=x' });
    expect(form.statusCode).toBe(400);
    expect((form.json() as { error_description: string }).error_description).toContain('application/json');
    const large = { subject, action, resource: { ...resource, properties: { blob: 'x'.repeat(70 * 1024) } } };
    expect((await refusal(EVALUATION, large)).status).toBe(413);
  });

  it('refuses a request without a token (401, bare challenge), with a bad token (401 invalid_token), and audits it', async () => {
    const body = { subject, action, resource };
    const none = await refusal(EVALUATION, body, { token: null });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const bad = await refusal(EVALUATIONS, body, { token: 'not.a.token' });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(bad.body.error).toBe('invalid_token');
    const audit = await h.t.server.deps.store.queryAudit({ event: 'authzen_client.authentication_failed' }, { limit: 10 });
    expect(audit.items.map((r) => r.details['status'])).toEqual(expect.arrayContaining([401]));
  });

  it('refuses a valid token without agentauth:authorize: 403 insufficient_scope naming the scope', async () => {
    const receiver = await createAgent(h.t.server, { scopes: ['agentauth:signals'] });
    const token = await accessToken(h.t, receiver, 'agentauth:signals');
    const answer = await refusal(EVALUATION, { subject, action, resource }, { token });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('insufficient_scope');
    expect(answer.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="agentauth:authorize"');
  });

  it('authenticates before it reads the body: without a token, a bad, unparsable or oversized body is 401', async () => {
    expect((await refusal(EVALUATION, {}, { token: null })).status).toBe(401);
    expect((await h.ask(EVALUATIONS, undefined, { token: null, raw: '{"subject": ' })).statusCode).toBe(401);
    expect((await h.ask(EVALUATION, undefined, { token: 'not.a.token', raw: JSON.stringify({ blob: 'x'.repeat(70 * 1024) }) })).statusCode).toBe(401);
  });

  it('refuses an X-Request-ID longer than 256 characters rather than echo part of it', async () => {
    const answer = await refusal(EVALUATION, { subject, action, resource }, { headers: { 'x-request-id': 'r'.repeat(257) } });
    expect(answer.status).toBe(400);
    expect(answer.headers['x-request-id']).not.toBe('r'.repeat(257));
  });
});
