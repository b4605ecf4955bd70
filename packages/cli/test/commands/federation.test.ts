import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { main } from '../../src/index.js';
import { adminStubPerTest, json, testIo } from '../helpers/admin-stub.js';

const TOKEN = 'adm_token';
const setup = adminStubPerTest();

const ISSUER = {
  id: 'tis_1',
  issuer: 'https://token.actions.githubusercontent.com',
  jwks_uri: 'https://token.actions.githubusercontent.com/.well-known/jwks',
  jwks: null,
  audiences: ['https://agentauth.example'],
  algorithms: ['RS256'],
  max_token_lifetime: 900,
  allow_token_reuse: false,
  description: '',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const RULE = {
  id: 'bnd_1',
  issuer_id: 'tis_1',
  agent_id: 'agt_1',
  claims: { '/repository': 'acme/deploy', '/ref': 'refs/heads/main' },
  description: '',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('issuers', () => {
  it('adds an issuer with a jwks_uri, sending exactly what was asked', async () => {
    const server = await setup({ 'POST /admin/v1/trusted-issuers': (_req, res) => json(res, 201, ISSUER) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    const code = await main(
      ['issuers', 'add', ISSUER.issuer, '--audience', 'https://agentauth.example', '--jwks-uri', ISSUER.jwks_uri, '--alg', 'RS256', '--max-lifetime', '900'],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({
      issuer: ISSUER.issuer,
      audiences: ['https://agentauth.example'],
      jwks_uri: ISSUER.jwks_uri,
      algorithms: ['RS256'],
      max_token_lifetime: 900,
    });
    expect(stdout()).toMatch(/^token reuse: +single use \(jti\)$/m);
  });

  it('adds an issuer with a static JWK Set file, and refuses a private key in it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentauth-cli-'));
    try {
      const publicSet = join(dir, 'jwks.json');
      await writeFile(publicSet, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] }));
      const server = await setup({ 'POST /admin/v1/trusted-issuers': (_req, res) => json(res, 201, { ...ISSUER, jwks_uri: null, jwks: { keys: [{ kid: 'k1' }] } }) });
      const ok = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
      expect(await main(['issuers', 'add', 'https://k8s.example', '--audience', 'a', '--jwks-file', publicSet], ok.io)).toBe(0);
      expect(JSON.parse(server.seen[0]?.body ?? '').jwks.keys[0].kid).toBe('k1');

      const privateSet = join(dir, 'private.json');
      await writeFile(privateSet, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' }] }));
      const bad = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
      expect(await main(['issuers', 'add', 'https://k8s.example', '--audience', 'a', '--jwks-file', privateSet], bad.io)).toBe(2);
      expect(server.seen).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('needs exactly one key source and an audience', async () => {
    const { io, stderr } = testIo({ AGENTAUTH_URL: 'http://127.0.0.1:1', AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['issuers', 'add', 'https://x.example', '--audience', 'a'], io)).toBe(2);
    expect(stderr()).toContain('exactly one of --jwks-uri and --jwks-file');
    const noAudience = testIo({ AGENTAUTH_URL: 'http://127.0.0.1:1', AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['issuers', 'add', 'https://x.example', '--jwks-uri', 'https://x.example/jwks'], noAudience.io)).toBe(2);
  });

  it('lists and removes issuers', async () => {
    const server = await setup({
      'GET /admin/v1/trusted-issuers': (_req, res) => json(res, 200, { items: [ISSUER] }),
      'DELETE /admin/v1/trusted-issuers/tis_1': (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    });
    const list = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['issuers', 'list'], list.io)).toBe(0);
    expect(list.stdout()).toContain('tis_1');
    expect(list.stdout()).toContain('https://token.actions.githubusercontent.com/.well-known/jwks');
    const remove = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['issuers', 'remove', 'tis_1'], remove.io)).toBe(0);
    expect(remove.stdout()).toBe('removed trusted issuer tis_1\n');
  });
});

describe('bindings', () => {
  it('adds a rule from --claim pointers, keeping = inside values', async () => {
    const server = await setup({ 'POST /admin/v1/binding-rules': (_req, res) => json(res, 201, RULE) });
    const { io, stdout } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    const code = await main(['bindings', 'add', '--issuer', 'tis_1', '--agent', 'agt_1', '--claim', '/repository=acme/deploy', '--claim', '/job_workflow_ref=a=b'], io);
    expect(code).toBe(0);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({ issuer_id: 'tis_1', agent_id: 'agt_1', claims: { '/repository': 'acme/deploy', '/job_workflow_ref': 'a=b' } });
    expect(stdout()).toContain('/repository=acme/deploy');
  });

  it('refuses a claim that is not a JSON Pointer, before calling the server', async () => {
    const { io, stderr } = testIo({ AGENTAUTH_URL: 'http://127.0.0.1:1', AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['bindings', 'add', '--issuer', 'tis_1', '--agent', 'agt_1', '--claim', 'sub=x'], io)).toBe(2);
    expect(stderr()).toContain('RFC 6901');
  });

  it('lists rules filtered by agent and removes one', async () => {
    const server = await setup({
      'GET /admin/v1/binding-rules': (_req, res) => json(res, 200, { items: [RULE] }),
      'DELETE /admin/v1/binding-rules/bnd_1': (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    });
    const list = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['bindings', 'list', '--agent', 'agt_1', '--json'], list.io)).toBe(0);
    expect(server.seen[0]?.query.get('agent_id')).toBe('agt_1');
    expect(JSON.parse(list.stdout())).toEqual({ items: [RULE] });
    const remove = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['bindings', 'remove', 'bnd_1'], remove.io)).toBe(0);
    expect(remove.stdout()).toBe('removed binding rule bnd_1\n');
  });
});
