import { describe, expect, it } from 'vitest';

import { main } from '../../src/index.js';
import { adminStubPerTest, json, testIo } from '../helpers/admin-stub.js';

const TOKEN = 'adm_token';
const setup = adminStubPerTest();

function node(jti: string, parent: string | null, clientId: string, overrides: Record<string, unknown> = {}) {
  return {
    jti,
    parent_jti: parent,
    sub: 'agt_user',
    client_id: clientId,
    issued_at: '2026-01-01T00:00:00.000Z',
    expires_at: '2026-01-01T00:05:00.000Z',
    revoked: false,
    scope: 'orders:read',
    aud: ['https://api.example.com'],
    act: null,
    task_id: null,
    ...overrides,
  };
}

const CHAIN = {
  jti: 'j2',
  ancestors: [node('j1', null, 'agt_user', { revoked: true })],
  token: node('j2', 'j1', 'agt_copilot', { act: { sub: 'agt_copilot' }, task_id: 't-9' }),
  descendants: [node('j3', 'j2', 'agt_worker')],
  truncated: false,
};

describe('tokens', () => {
  it('shows the chain of a token, root first', async () => {
    const server = await setup({ 'GET /admin/v1/tokens/j2/chain': (_req, res) => json(res, 200, CHAIN) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['tokens', 'chain', 'j2'], io)).toBe(0);
    const lines = stdout().split('\n');
    expect(lines[0]).toMatch(/^ROLE +JTI +PARENT +SUB +ACTOR +SCOPE +AUD +TASK +EXPIRES +REVOKED$/);
    expect(lines[1]).toMatch(/^root +j1 +agt_user +agt_user +orders:read +https:\/\/api\.example\.com +2026-01-01T00:05:00\.000Z +yes$/);
    expect(lines[2]).toMatch(/^this +j2 +j1 +agt_user +agt_copilot .* t-9 .* no$/);
    expect(lines[3]).toMatch(/^descendant +j3 +j2 +agt_user +agt_worker /);
    expect(server.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('prints the chain as JSON with --json', async () => {
    const server = await setup({ 'GET /admin/v1/tokens/j2/chain': (_req, res) => json(res, 200, CHAIN) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['tokens', 'chain', 'j2', '--json'], io)).toBe(0);
    expect(JSON.parse(stdout())).toEqual(CHAIN);
  });

  it('reports an unknown jti as the server\u2019s problem, exit 1', async () => {
    const server = await setup({});
    const { io, stderr } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['tokens', 'chain', 'nope'], io)).toBe(1);
    expect(stderr()).toContain('not_found');
  });

  it('revokes a token by jti', async () => {
    const server = await setup({ 'POST /admin/v1/tokens/j2/revoke': (_req, res) => json(res, 200, { jti: 'j2', revoked: true }) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['tokens', 'revoke', 'j2'], io)).toBe(0);
    expect(stdout()).toBe('revoked j2\n');
    expect(server.seen[0]?.method).toBe('POST');
  });
});
