import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/index.js';
import { BOOTSTRAP_TOKEN, createAgent, startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { testIo } from '../helpers/admin-stub.js';

// The CLI against a real server (its real CA, SQLite store and admin API), in process.
let t: TestServer;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  t = await startTestServer('sqlite');
  t.clock.set(Date.now());
  await t.server.app.listen({ host: '127.0.0.1', port: 0 });
  env = { AGENTAUTH_URL: `http://127.0.0.1:${(t.server.app.server.address() as AddressInfo).port}`, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP_TOKEN };
  dir = await mkdtemp(join(tmpdir(), 'agentauth-cli-certs-'));
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('agentauth certs and ca', () => {
  it('certs issue makes the key here and writes key, chain and bundle; openssl verifies the chain', async () => {
    const agent = await createAgent(t.server);
    const out = join(dir, 'svid');
    const { io, stdout } = testIo(env);
    expect(await main(['certs', 'issue', '--agent', agent.id, '--out-dir', out], io)).toBe(0);
    expect(stdout()).toContain(`spiffe://127.0.0.1/agent/${agent.id}`);
    expect((await stat(join(out, 'key.pem'))).mode & 0o777).toBe(0o600);
    const chain = await readFile(join(out, 'chain.pem'), 'utf8');
    const leaf = new X509Certificate(chain);
    expect(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(await readFile(join(out, 'key.pem'), 'utf8')))).toBe(true);
    const verified = execFileSync('openssl', ['verify', '-CAfile', join(out, 'bundle.pem'), '-untrusted', join(out, 'bundle.pem'), join(out, 'chain.pem')], { encoding: 'utf8' });
    expect(verified).toContain(': OK');

    const list = testIo(env);
    expect(await main(['certs', 'list', '--agent', agent.id, '--json'], list.io)).toBe(0);
    const items = (JSON.parse(list.stdout()) as { items: { serial: string; revoked_at: string | null }[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]?.serial).toBe(leaf.serialNumber.toLowerCase());

    const revoke = testIo(env);
    expect(await main(['certs', 'revoke', leaf.serialNumber], revoke.io)).toBe(0);
    expect(revoke.stdout()).toContain(`revoked ${leaf.serialNumber.toLowerCase()}`);
    expect(await t.server.ca.isRevoked(leaf.serialNumber)).toBe(true);
  });

  it('ca show and ca rotate', async () => {
    const show = testIo(env);
    expect(await main(['ca', 'show'], show.io)).toBe(0);
    expect(show.stdout()).toMatch(/trust domain 127\.0\.0\.1/);
    expect(show.stdout()).toMatch(/root\s+active/);
    const before = t.server.ca.activeId();
    const rotate = testIo(env);
    expect(await main(['ca', 'rotate', '--json'], rotate.io)).toBe(0);
    expect((JSON.parse(rotate.stdout()) as { active_id: string }).active_id).not.toBe(before);
    expect((JSON.parse(rotate.stdout()) as { authorities: { state: string }[] }).authorities.map((a) => a.state)).toContain('old');
  });

  it('certs issue refuses an unknown agent with the admin API problem', async () => {
    const { io, stderr } = testIo(env);
    expect(await main(['certs', 'issue', '--agent', 'agt_nobody'], io)).toBe(1);
    expect(stderr()).toContain('conflict');
  });
});
