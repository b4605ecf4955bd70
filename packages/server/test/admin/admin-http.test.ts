import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PROBLEMS } from '../../src/admin/problem-codes.js';
import { AUTH, startAdminHarness, type AdminHarness } from './admin-harness.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(async () => {
  await h.close();
});

function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, code: keyof typeof ADMIN_PROBLEMS) {
  expect(response.statusCode).toBe(ADMIN_PROBLEMS[code].status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
  expect(body).toMatchObject({ type: `urn:agentauth:problem:${code}`, title: ADMIN_PROBLEMS[code].title, status: ADMIN_PROBLEMS[code].status, code });
  expect(typeof body['detail']).toBe('string');
  return body;
}

describe('admin request handling', () => {
  it('refuses a body over 64 KiB with 413 payload_too_large', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/admin/v1/agents',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'big', owner: 'team', description: 'x'.repeat(70 * 1024) }),
    });
    expectProblem(response, 'payload_too_large');
  });

  it('refuses non-JSON bodies with 415 unsupported_media_type', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: { ...AUTH, 'content-type': type }, payload: 'name=x&owner=y' });
      expectProblem(response, 'unsupported_media_type');
    }
  });

  it('refuses malformed JSON and prototype pollution with 400 malformed_json', async () => {
    for (const payload of ['{"name": "x",', '{"name": "x", "owner": "y", "__proto__": {"admin": true}}', 'nul']) {
      const response = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: { ...AUTH, 'content-type': 'application/json' }, payload });
      expectProblem(response, 'malformed_json');
    }
  });

  it('treats an empty JSON body as no body on routes that take none', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'e', owner: 't' } });
    const id = created.json().agent.id;
    const response = await h.app.inject({ method: 'POST', url: `/admin/v1/agents/${id}/suspend`, headers: { ...AUTH, 'content-type': 'application/json' }, payload: '' });
    expect(response.statusCode).toBe(200);
    const missing = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '' });
    expectProblem(missing, 'validation_failed');
  });

  it('renders unknown routes and bad path parameters as problems', async () => {
    expectProblem(await h.app.inject({ method: 'GET', url: '/admin/v1/nothing', headers: AUTH }), 'not_found');
    expectProblem(await h.app.inject({ method: 'PUT', url: '/admin/v1/agents', headers: AUTH }), 'not_found');
    expectProblem(await h.app.inject({ method: 'GET', url: '/admin/v1/agents/not-an-id', headers: AUTH }), 'validation_failed');
  });

  it('renders an unexpected failure as internal_error without its message or stack', async () => {
    const listAgents = h.store.listAgents.bind(h.store);
    h.store.listAgents = async () => {
      throw new Error('SELECT * FROM agents -- secret s3cr3t at /src/store.ts:10');
    };
    try {
      const response = await h.app.inject({ method: 'GET', url: '/admin/v1/agents', headers: AUTH });
      const body = expectProblem(response, 'internal_error');
      expect(response.body).not.toMatch(/SELECT|s3cr3t|store\.ts/);
      expect(body['detail']).not.toMatch(/Error/);
    } finally {
      h.store.listAgents = listAgents;
    }
  });

  it('keeps its hooks to itself: the public sibling route takes form bodies and no admin credential', async () => {
    const response = await h.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ public: true, body: { a: 1 } });
    expect(response.headers['cache-control']).toBeUndefined();
  });
});
