import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeSelfSignedCert, type SelfSignedCert } from '../../server/test/net/local-https.js';
import { main } from '../src/index.js';
import { testIo } from './helpers/admin-stub.js';

const TOKEN = 'adm_token';
const KEYS = { items: [{ kid: 'kid-a', alg: 'ES256', state: 'active', created_at: '2026-01-01T00:00:00Z', activated_at: null, retired_at: null, expires_at: null }] };

/**
 * The admin API behind https with a certificate no public root vouches for: the CLI names the
 * TLS failure (not "is the server running?") and trusts the certificate given with --cacert.
 */
describe('https with a private CA (--cacert)', () => {
  let cert: SelfSignedCert;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      const authorized = req.headers.authorization === `Bearer ${TOKEN}` && req.url === '/admin/v1/keys';
      res.writeHead(authorized ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(authorized ? KEYS : { code: 'not_found', title: 'Not found', status: 404 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close?.();
    cert?.remove();
  });

  it('says TLS verification failed, with the code and a --cacert hint, and exits 3', async () => {
    const { io, stderr } = testIo({ AGENTAUTH_URL: url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
    expect(await main(['keys', 'list'], io)).toBe(3);
    expect(stderr()).toContain(`error: TLS certificate verification failed for ${url} (DEPTH_ZERO_SELF_SIGNED_CERT)\n`);
    expect(stderr()).toContain('pass --cacert FILE');
    expect(stderr()).not.toContain('is the server running');
  });

  it('trusts the CA of --cacert (or AGENTAUTH_CACERT), before or after the command', async () => {
    for (const [argv, env] of [
      [['keys', 'list', '--cacert', cert.certPath], {}],
      [['--cacert', cert.certPath, 'keys', 'list'], {}],
      [['keys', 'list'], { AGENTAUTH_CACERT: cert.certPath }],
    ] as const) {
      const { io, stdout, stderr } = testIo({ AGENTAUTH_URL: url, AGENTAUTH_ADMIN_TOKEN: TOKEN, ...env });
      expect(await main([...argv], io), stderr()).toBe(0);
      expect(stdout()).toContain('kid-a');
    }
  });

  it('names a certificate issued for another host name', async () => {
    const other = join(cert.dir, 'other.pem');
    const otherKey = join(cert.dir, 'other.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=elsewhere.example', '-addext', 'subjectAltName=DNS:elsewhere.example', '-keyout', otherKey, '-out', other], { stdio: 'ignore' });
    const server = createServer({ cert: readFileSync(other), key: readFileSync(otherKey) }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { io, stderr } = testIo({ AGENTAUTH_URL: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, AGENTAUTH_ADMIN_TOKEN: TOKEN, AGENTAUTH_CACERT: other });
      expect(await main(['--json', 'keys', 'list'], io)).toBe(3);
      expect(JSON.parse(stderr()).error).toMatchObject({ code: 'tls_verification_failed', message: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID'), hint: expect.stringContaining('does not name this host') });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a --cacert it cannot read or that holds no certificate, before connecting', async () => {
    const junk = join(cert.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    for (const [file, message] of [
      [join(cert.dir, 'missing.pem'), 'cannot read --cacert'],
      [junk, 'holds no PEM certificate'],
    ]) {
      const { io, stderr } = testIo({ AGENTAUTH_URL: url, AGENTAUTH_ADMIN_TOKEN: TOKEN });
      expect(await main(['keys', 'list', '--cacert', file as string], io)).toBe(2);
      expect(stderr()).toContain(message);
    }
  });
});
