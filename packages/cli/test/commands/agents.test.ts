import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { exportJWK, generateKeyPair } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';

import { main } from '../../src/index.js';
import { adminStubPerTest, agent, json, problem, testIo, type Route } from '../helpers/admin-stub.js';

const TOKEN = 'adm_bootstrap_0123456789';
let dir: string;
const startStub = adminStubPerTest();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentauth-cli-'));
});

async function setup(routes: Record<string, Route>) {
  const server = await startStub(routes);
  const run = async (...argv: string[]) => {
    const { io, stdout, stderr } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    const code = await main(argv, io);
    // The admin token is never printed, whatever happens.
    expect(stdout() + stderr()).not.toContain(TOKEN);
    return { code, stdout: stdout(), stderr: stderr() };
  };
  return { server, run };
}

describe('agents create', () => {
  it('generates the key pair locally, writes the private JWK with mode 0600 and sends only the public key', async () => {
    const { server, run } = await setup({ 'POST /admin/v1/agents': (req, res) => json(res, 201, { agent: agent({ name: JSON.parse(req.body).name }) }) });
    const keyOut = join(dir, 'private.json');
    const result = await run('agents', 'create', '--name', 'invoice-bot', '--owner', 'team-payments', '--scope', 'invoices:read', '--scope', 'invoices:write', '--label', 'env=prod', '--ttl', '600', '--generate-key', '--key-out', keyOut, '--alg', 'EdDSA');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('name:         invoice-bot');
    expect(result.stderr).toContain(`private key written to ${keyOut}`);

    expect((await stat(keyOut)).mode & 0o777).toBe(0o600);
    const privateJwk = JSON.parse(await readFile(keyOut, 'utf8'));
    expect(privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(typeof privateJwk.d).toBe('string');

    const sent = JSON.parse(server.seen[0]?.body ?? '');
    expect(sent).toMatchObject({ name: 'invoice-bot', owner: 'team-payments', scopes: ['invoices:read', 'invoices:write'], labels: { env: 'prod' }, access_token_ttl: 600 });
    expect(sent.jwks.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x, kid: privateJwk.kid, alg: 'EdDSA', use: 'sig' }]);
    expect(server.seen[0]?.body).not.toContain(privateJwk.d);
  });

  it('refuses to overwrite an existing key file and sends nothing', async () => {
    const { server, run } = await setup({});
    const keyOut = join(dir, 'private.json');
    await writeFile(keyOut, 'precious');
    const result = await run('agents', 'create', '--name', 'n', '--owner', 'o', '--generate-key', '--key-out', keyOut);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to overwrite');
    expect(await readFile(keyOut, 'utf8')).toBe('precious');
    expect(server.seen).toHaveLength(0);
  });

  it('removes the new private key when the server refuses the agent', async () => {
    const { run } = await setup({ 'POST /admin/v1/agents': (_req, res) => problem(res, 400, 'invalid_request', 'Invalid request', 'owner is too long') });
    const keyOut = join(dir, 'private.json');
    const result = await run('agents', 'create', '--name', 'n', '--owner', 'o', '--generate-key', '--key-out', keyOut);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: Invalid request (invalid_request): owner is too long\n');
    await expect(stat(keyOut)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('registers a public JWK file, and refuses one that holds a private key', async () => {
    const { server, run } = await setup({ 'POST /admin/v1/agents': (_req, res) => json(res, 201, { agent: agent() }) });
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicFile = join(dir, 'public.json');
    const privateFile = join(dir, 'private.json');
    await writeFile(publicFile, JSON.stringify(await exportJWK(publicKey)));
    await writeFile(privateFile, JSON.stringify(await exportJWK(privateKey)));

    expect((await run('agents', 'create', '--name', 'n', '--owner', 'o', '--jwk-file', publicFile)).code).toBe(0);
    expect(JSON.parse(server.seen[0]?.body ?? '').jwks.keys[0]).toEqual(await exportJWK(publicKey));

    const refused = await run('agents', 'create', '--name', 'n', '--owner', 'o', '--jwk-file', privateFile);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('holds a private or symmetric key');
    expect(server.seen).toHaveLength(1);
  });

  it('prints a client secret once, with a warning on stderr', async () => {
    const { run } = await setup({
      'POST /admin/v1/agents': (_req, res) => json(res, 201, { agent: agent({ token_endpoint_auth_method: 'client_secret_basic', credentials: [] }), client_secret: 'cs_abc123' }),
    });
    const result = await run('agents', 'create', '--name', 'n', '--owner', 'o', '--auth-method', 'client_secret_basic');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('client secret: cs_abc123');
    expect(result.stderr).toContain('shown only once');
    const asJson = await run('agents', 'create', '--name', 'n', '--owner', 'o', '--auth-method', 'client_secret_basic', '--json');
    expect(JSON.parse(asJson.stdout).client_secret).toBe('cs_abc123');
  });
});

describe('agents list, show, update, status, delete', () => {
  it('follows next_cursor with --all and renders one table', async () => {
    const { server, run } = await setup({
      'GET /admin/v1/agents': (req, res) =>
        req.query.get('cursor') === null
          ? json(res, 200, { items: [agent()], next_cursor: 'page2' })
          : json(res, 200, { items: [agent({ id: 'agt_2', name: 'report-bot', status: 'suspended' })] }),
    });
    const result = await run('agents', 'list', '--all', '--label', 'env=prod', '--limit', '1');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'ID     NAME         OWNER          STATUS     AUTH             SCOPES         LAST SEEN',
        'agt_1  invoice-bot  team-payments  active     private_key_jwt  invoices:read',
        'agt_2  report-bot   team-payments  suspended  private_key_jwt  invoices:read',
        '',
      ].join('\n'),
    );
    expect(server.seen.map((req) => req.query.get('cursor'))).toEqual([null, 'page2']);
    expect(server.seen[0]?.query.getAll('label')).toEqual(['env=prod']);
  });

  it('without --all shows one page and says how to get more', async () => {
    const { run } = await setup({ 'GET /admin/v1/agents': (_req, res) => json(res, 200, { items: [agent()], next_cursor: 'page2' }) });
    const result = await run('agents', 'list', '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({ next_cursor: 'page2', items: [{ id: 'agt_1' }] });
    const human = await run('agents', 'list');
    expect(human.stderr).toContain('--cursor page2');
  });

  it('shows an agent with its credentials', async () => {
    const { run } = await setup({ 'GET /admin/v1/agents/agt_1': (_req, res) => json(res, 200, agent()) });
    const result = await run('agents', 'show', 'agt_1');
    expect(result.stdout).toContain('labels:       env=prod');
    expect(result.stdout).toContain('token ttl:    server default');
    expect(result.stdout).toContain('crd_1  jwk   k1');
  });

  it('shows the RFC 8705 subject and the token binding settings', async () => {
    const shown = agent({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_uri: 'spiffe://example.org/agent/agt_1', dpop_bound_access_tokens: true, tls_client_certificate_bound_access_tokens: false });
    const { run } = await setup({ 'GET /admin/v1/agents/agt_1': (_req, res) => json(res, 200, shown) });
    const result = await run('agents', 'show', 'agt_1');
    expect(result.stdout).toContain('tls san uri:  spiffe://example.org/agent/agt_1\n');
    expect(result.stdout).toContain('dpop bound:   yes\n');
    expect(result.stdout).toContain('cert bound:   no\n');
  });

  it('sends tls_client_auth subjects and token binding flags on create and update', async () => {
    const { server, run } = await setup({
      'POST /admin/v1/agents': (_req, res) => json(res, 201, { agent: agent() }),
      'PATCH /admin/v1/agents/agt_1': (_req, res) => json(res, 200, agent()),
    });
    expect((await run('agents', 'create', '--name', 'n', '--owner', 'o', '--auth-method', 'tls_client_auth', '--tls-san-dns', 'bot.example.com', '--cert-bound', '--dpop-bound')).code).toBe(0);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({
      name: 'n',
      owner: 'o',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'bot.example.com',
      tls_client_certificate_bound_access_tokens: true,
      dpop_bound_access_tokens: true,
    });
    expect((await run('agents', 'update', 'agt_1', '--tls-subject-dn', 'CN=bot,O=Example', '--no-dpop-bound')).code).toBe(0);
    expect(JSON.parse(server.seen[1]?.body ?? '')).toEqual({
      tls_client_auth_san_uri: null,
      tls_client_auth_san_dns: null,
      tls_client_auth_subject_dn: 'CN=bot,O=Example',
      dpop_bound_access_tokens: false,
    });
    for (const [argv, message] of [
      [['agents', 'update', 'agt_1', '--dpop-bound', '--no-dpop-bound'], '--dpop-bound and --no-dpop-bound cannot be combined'],
      [['agents', 'create', '--name', 'n', '--owner', 'o', '--tls-san-uri', 'spiffe://x/y', '--tls-san-dns', 'x'], 'give at most one of --tls-san-uri'],
      [['agents', 'create', '--name', 'n', '--owner', 'o', '--auth-method', 'tls_client_auth', '--generate-key', '--key-out', join(dir, 'k.json')], '--generate-key makes a key for private_key_jwt'],
    ] as const) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(server.seen).toHaveLength(2);
    expect((await run('agents', 'update', 'agt_1', '--ciba-mode', 'ping', '--ciba-notify', 'https://bot.example.com/ciba')).code).toBe(0);
    expect(JSON.parse(server.seen[2]?.body ?? '')).toEqual({ backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'https://bot.example.com/ciba' });
    const pushed = await run('agents', 'update', 'agt_1', '--ciba-mode', 'push');
    expect(pushed.code).toBe(2);
    // Redirect URIs make the agent a client of the authorization code flow (docs/oauth.md); the server checks their rule.
    expect((await run('agents', 'update', 'agt_1', '--redirect-uri', 'https://bot.example.com/cb', '--redirect-uri', 'http://127.0.0.1:8765/cb')).code).toBe(0);
    expect(JSON.parse(server.seen[3]?.body ?? '')).toEqual({ redirect_uris: ['https://bot.example.com/cb', 'http://127.0.0.1:8765/cb'] });
    expect((await run('agents', 'update', 'agt_1', '--clear-redirect-uris')).code).toBe(0);
    expect(JSON.parse(server.seen[4]?.body ?? '')).toEqual({ redirect_uris: [] });
    const both = await run('agents', 'update', 'agt_1', '--clear-redirect-uris', '--redirect-uri', 'https://bot.example.com/cb');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--clear-redirect-uris and --redirect-uri cannot be combined');
  });

  it('lists an agent\u2019s tokens, with subject and client columns once one was exchanged', async () => {
    const token = (jti: string, over: Record<string, unknown> = {}) => ({
      jti,
      sub: 'agt_1',
      client_id: 'agt_1',
      parent_jti: null,
      issued_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-01T00:05:00.000Z',
      revoked: false,
      scope: 'invoices:read',
      aud: ['https://api.example.com'],
      binding: 'dpop',
      cnf: { jkt: 'abc' },
      ...over,
    });
    let items = [token('j1'), token('j2', { binding: 'bearer', cnf: null, revoked: true })];
    const { server, run } = await setup({ 'GET /admin/v1/agents/agt_1/tokens': (_req, res) => json(res, 200, { items }) });
    const table = await run('agents', 'tokens', 'agt_1');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      'JTI  ISSUED                    EXPIRES                   SCOPE          AUDIENCE                 BINDING  PARENT  REVOKED',
      'j1   2026-01-01T00:00:00.000Z  2026-01-01T00:05:00.000Z  invoices:read  https://api.example.com  dpop             no',
      'j2   2026-01-01T00:00:00.000Z  2026-01-01T00:05:00.000Z  invoices:read  https://api.example.com  bearer           yes',
      '',
    ]);
    items = [token('j3', { sub: 'agt_2', parent_jti: 'j1' })];
    const exchanged = await run('agents', 'tokens', 'agt_1', '--limit', '10');
    expect(exchanged.stdout.split('\n')[0]).toMatch(/^JTI {2}SUB {4}CLIENT {2}ISSUED/);
    expect(server.seen[1]?.query.get('limit')).toBe('10');
    const asJson = await run('agents', 'tokens', 'agt_1', '--json');
    expect(JSON.parse(asJson.stdout)).toEqual({ items });
  });

  it('sends only the given fields on update', async () => {
    const { server, run } = await setup({ 'PATCH /admin/v1/agents/agt_1': (_req, res) => json(res, 200, agent()) });
    expect((await run('agents', 'update', 'agt_1', '--clear-scopes', '--ttl', 'default', '--description', 'pays invoices')).code).toBe(0);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({ scopes: [], access_token_ttl: null, description: 'pays invoices' });
    expect((await run('agents', 'update', 'agt_1', '--description', '')).code).toBe(0);
    expect(JSON.parse(server.seen[1]?.body ?? '')).toEqual({ description: '' });
  });

  it('suspends an agent and reports an unknown one as a failure', async () => {
    const { run } = await setup({
      'POST /admin/v1/agents/agt_1/suspend': (_req, res) => json(res, 200, agent({ status: 'suspended' })),
      'POST /admin/v1/agents/agt_9/suspend': (_req, res) => problem(res, 404, 'agent_not_found', 'Agent not found'),
    });
    expect(await run('agents', 'suspend', 'agt_1')).toMatchObject({ code: 0, stdout: 'agent agt_1 is now suspended\n' });
    expect(await run('agents', 'suspend', 'agt_9')).toMatchObject({ code: 1, stderr: 'error: Agent not found (agent_not_found)\n' });
  });

  it('deletes only with --yes when there is no terminal', async () => {
    const { server, run } = await setup({
      'DELETE /admin/v1/agents/agt_1': (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    });
    expect((await run('agents', 'delete', 'agt_1')).code).toBe(2);
    expect(server.seen).toHaveLength(0);
    expect(await run('agents', 'delete', 'agt_1', '--yes')).toMatchObject({ code: 0, stdout: 'deleted agent agt_1\n' });
  });

  it('deletes nothing and exits 1 when the question on the terminal is not answered yes', async () => {
    const { server } = await setup({});
    const asked: string[] = [];
    const { io, stdout, stderr } = testIo({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: TOKEN }, { confirm: async (question) => (asked.push(question), false) });
    expect(await main(['agents', 'delete', 'agt_1'], io)).toBe(1);
    expect(asked).toEqual(['Delete agent agt_1 and all its credentials? [y/N] ']);
    expect(stdout()).toBe('');
    expect(stderr()).toBe('error: agent agt_1 not deleted: the answer was not yes\n');
    expect(server.seen).toHaveLength(0);
  });

  it('adds a generated key, issues a secret and removes a credential', async () => {
    const { server, run } = await setup({
      'POST /admin/v1/agents/agt_1/credentials': (req, res) =>
        JSON.parse(req.body).type === 'secret'
          ? json(res, 201, { credential: { id: 'crd_s', type: 'secret', created_at: '2026-01-01T00:00:00Z', expires_at: null }, client_secret: 'cs_once' })
          : json(res, 201, { credential: { id: 'crd_2', type: 'jwk', kid: JSON.parse(req.body).jwk.kid, created_at: '2026-01-01T00:00:00Z', expires_at: null } }),
      'DELETE /admin/v1/agents/agt_1/credentials/crd_1': (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    });
    const keyOut = join(dir, 'k2.json');
    const added = await run('agents', 'add-key', 'agt_1', '--generate-key', '--key-out', keyOut);
    expect(added.code).toBe(0);
    const sent = JSON.parse(server.seen[0]?.body ?? '');
    expect(sent.type).toBe('jwk');
    expect(sent.jwk.d).toBeUndefined();
    expect(sent.jwk.kid).toBe(JSON.parse(await readFile(keyOut, 'utf8')).kid);

    const secret = await run('agents', 'add-secret', 'agt_1');
    expect(secret.stdout).toContain('client secret: cs_once');
    expect(secret.stderr).toContain('shown only once');

    expect(await run('agents', 'remove-key', 'agt_1', 'crd_1')).toMatchObject({ code: 0, stdout: 'removed credential crd_1 from agent agt_1\n' });
  });

  it('exits 3 with a hint when the server is not running', async () => {
    const { server, run } = await setup({});
    await server.close();
    const result = await run('agents', 'list');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`connection refused by ${server.url} (ECONNREFUSED)`);
    expect(result.stderr).toContain("Start it with 'agentauth start'");
  });
});
