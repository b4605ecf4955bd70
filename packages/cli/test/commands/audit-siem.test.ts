import { describe, expect, it } from 'vitest';

import { main } from '../../src/index.js';
import { adminStubPerTest, json, testIo } from '../helpers/admin-stub.js';

const setup = adminStubPerTest();

describe('audit siem', () => {
  const status = {
    head_seq: 42,
    sinks: [
      { sink: 'file', configured: true, seq: 42, lag: 0, exported_at: '2026-01-01T00:00:05.000Z', failing: false, last_error: null, last_error_at: null },
      { sink: 'webhook', configured: true, seq: 30, lag: 12, exported_at: '2026-01-01T00:00:01.000Z', failing: true, last_error: 'delivering a batch: https://siem.example.com answered 503', last_error_at: '2026-01-01T00:00:04.000Z' },
    ],
  };

  it("shows each sink's position, lag and last error", async () => {
    const server = await setup({ 'GET /admin/v1/audit/siem': (_req, res) => json(res, 200, status) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: 'adm_token' });
    expect(await main(['audit', 'siem'], io)).toBe(0);
    expect(stdout()).toBe(
      'audit head: seq 42\n' +
        'SINK     CONFIGURED  SEQ  LAG  EXPORTED                  STATE    LAST ERROR\n' +
        'file     yes         42   0    2026-01-01T00:00:05.000Z  ok       -\n' +
        'webhook  yes         30   12   2026-01-01T00:00:01.000Z  failing  2026-01-01T00:00:04.000Z delivering a batch: https://siem.example.com answered 503\n',
    );
  });

  it('prints the status as JSON with --json, and says when no sink is configured', async () => {
    const server = await setup({ 'GET /admin/v1/audit/siem': (_req, res) => json(res, 200, status) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: 'adm_token' });
    expect(await main(['audit', 'siem', '--json'], io)).toBe(0);
    expect(JSON.parse(stdout())).toEqual(status);

    const empty = await setup({ 'GET /admin/v1/audit/siem': (_req, res) => json(res, 200, { head_seq: 3, sinks: [] }) });
    const second = testIo({ AGENTAUTH_URL: empty.url, AGENTAUTH_ADMIN_TOKEN: 'adm_token' });
    expect(await main(['audit', 'siem'], second.io)).toBe(0);
    expect(second.stdout()).toBe('audit head: seq 3\nno SIEM sink is configured (docs/monitoring.md)\n');
  });
});
