import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';

import { main } from '../../src/index.js';
import { json, startAdminStub, testIo } from '../helpers/admin-stub.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/**
 * A stand-in authorization server: RFC 8414 metadata, and a token endpoint that verifies the
 * client assertion with the agent's public key, as the real one will.
 */
async function authorizationServer(publicKey: CryptoKey) {
  let issuer = '';
  const server = await startAdminStub({
    'GET /.well-known/oauth-authorization-server': (_req, res) => json(res, 200, { issuer, token_endpoint: `${issuer}/token` }),
    'POST /token': (req, res) => {
      const form = new URLSearchParams(req.body);
      jwtVerify(form.get('client_assertion') ?? '', publicKey, { issuer: 'agt_1', subject: 'agt_1', audience: issuer }).then(
        () => {
          const scope = form.get('scope');
          json(res, 200, { access_token: 'eyJ.access.token', token_type: 'Bearer', expires_in: 300, ...(scope === null ? {} : { scope }) });
        },
        () => json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' }),
      );
    },
  });
  issuer = server.url;
  close = server.close;
  return server;
}

async function keyFile(privateKey: CryptoKey, mode = 0o600) {
  const path = join(await mkdtemp(join(tmpdir(), 'agentauth-token-')), 'private.json');
  await writeFile(path, JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256' }));
  await chmod(path, mode);
  return path;
}

describe('agentauth token', () => {
  it('gets an access token with private_key_jwt and prints it', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const server = await authorizationServer(publicKey);
    const { io, stdout, stderr } = testIo({ AGENTAUTH_URL: server.url });
    const code = await main(['token', '--client-id', 'agt_1', '--key-file', await keyFile(privateKey), '--scope', 'a', '--scope', 'b', '--resource', 'https://api.example.com'], io);
    expect(stderr()).toBe('');
    expect(code).toBe(0);
    expect(stdout()).toBe('eyJ.access.token\n');
    const form = new URLSearchParams(server.seen[1]?.body);
    expect(form.get('scope')).toBe('a b');
    expect(form.getAll('resource')).toEqual(['https://api.example.com']);
  });

  it('prints the whole response with --json', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const server = await authorizationServer(publicKey);
    const { io, stdout } = testIo();
    expect(await main(['token', '--issuer', server.url, '--client-id', 'agt_1', '--key-file', await keyFile(privateKey), '--json'], io)).toBe(0);
    expect(JSON.parse(stdout())).toMatchObject({ access_token: 'eyJ.access.token', token_type: 'Bearer', expires_in: 300 });
  });

  it('shows a refusal as an OAuth error with exit 1, without the key', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256', { extractable: true });
    const server = await authorizationServer(publicKey);
    const path = await keyFile(other.privateKey, 0o644);
    const { io, stdout, stderr } = testIo({ AGENTAUTH_URL: server.url });
    expect(await main(['token', '--client-id', 'agt_1', '--key-file', path], io)).toBe(1);
    expect(stderr()).toContain('warning: ');
    expect(stderr()).toContain('readable by other users');
    expect(stderr()).toContain('error: token request refused: invalid_client: client authentication failed (HTTP 401)');
    expect(stdout() + stderr()).not.toContain((await exportJWK(other.privateKey)).d);
  });

  it('rejects a key file that is not a private JWK, without quoting it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agentauth-token-')), 'junk.json');
    await writeFile(path, '{"d": "top-secret-material", oops');
    const { io, stderr } = testIo();
    expect(await main(['token', '--client-id', 'agt_1', '--key-file', path], io)).toBe(2);
    expect(stderr()).toContain('is not valid JSON');
    expect(stderr()).not.toContain('top-secret-material');
  });
});
