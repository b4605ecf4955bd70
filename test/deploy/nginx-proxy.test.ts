import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, type ServerProcess } from '../../packages/cli/test/helpers/server-process.js';
import { TestPki, type IssuedCertificate } from '../../packages/server/test/oauth/mtls/pki.js';

const execFileAsync = promisify(execFile);
const TEMPLATE = fileURLToPath(new URL('../../deploy/nginx/agentauth.conf', import.meta.url));
const BOOTSTRAP = 'nginx-deploy-test-bootstrap-0123456789abcdef';
const AGENT_DNS = 'proxied-bot.agents.example';

/** Replaces `from` in `text`, insisting it is there: a template that changed shape fails loudly. */
function substitute(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`deploy/nginx/agentauth.conf no longer contains ${String(from)}`);
  return typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
}

/**
 * The shipped nginx configuration, with only what differs on a test machine changed: the listen
 * address, the certificate files and the nodes' addresses. Everything that matters (client
 * certificates requested, the header set from `$ssl_client_escaped_cert`) is the file as shipped.
 */
function render(template: string, options: { port: number; node: string; certificate: IssuedCertificate }): string {
  let conf = substitute(template, 'listen 443 ssl http2;', `listen 127.0.0.1:${options.port} ssl http2;`);
  conf = substitute(conf, /^\s*listen \[::\]:443 ssl http2;\n/m, '');
  conf = substitute(conf, /10\.0\.0\.1[123]:8080/g, options.node);
  conf = substitute(conf, '/etc/nginx/tls/auth.example.com.crt', options.certificate.certFile);
  return substitute(conf, '/etc/nginx/tls/auth.example.com.key', options.certificate.keyFile);
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
async function untilListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.end() !== undefined));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** POST /token with `curl`, as an agent would through the proxy; the status and the JSON body. */
async function curlToken(url: string, args: string[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const { stdout } = await execFileAsync('curl', ['-sS', '-w', '\n%{http_code}', ...args, '--data', `grant_type=client_credentials&client_id=${encodeURIComponent(agentId)}`, `${url}/token`]);
  const lines = stdout.trimEnd().split('\n');
  return { status: Number(lines.pop()), body: JSON.parse(lines.join('\n')) as Record<string, unknown> };
}

/** POST /token straight to the node, from the local address `from` (127.0.0.2 is no proxy). */
function directToken(node: string, from: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const [host, port] = node.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: agentId }).toString();
    const req = request({ host, port: Number(port), localAddress: from, method: 'POST', path: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

let agentId = '';

describe('deploy/nginx/agentauth.conf in front of a node (RFC 8705 §6.5)', () => {
  const pki = new TestPki();
  const root = pki.selfSigned('root', '/CN=Deploy Test Root', { ca: true });
  const serverCertificate = pki.server('nginx', root);
  const leaf = pki.client('agent', root, '/CN=proxied-bot', `DNS:${AGENT_DNS}`);
  // A certificate the attacker has (it is public), without its private key.
  const forged = encodeURIComponent(leaf.pem);
  let server: ServerProcess;
  let nginx: ChildProcess;
  let nginxLog = '';
  let prefix = '';
  let proxyUrl = '';
  let node = '';

  beforeAll(async () => {
    const proxyPort = await freePort();
    proxyUrl = `https://127.0.0.1:${proxyPort}`;
    server = await startServerProcess({
      env: {
        AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP,
        AGENTAUTH_ISSUER: `https://localhost:${proxyPort}`,
        AGENTAUTH_MTLS_TRUST_ANCHORS: root.certFile,
        AGENTAUTH_MTLS_PROXY_HEADER: 'ssl-client-cert',
        AGENTAUTH_MTLS_TRUSTED_PROXIES: '127.0.0.1',
      },
    });
    node = server.url.replace('http://', '');
    const created = await fetch(`${server.url}/admin/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'proxied-bot', owner: 'team', scopes: ['a'], resources: ['https://api.example.com'], token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: AGENT_DNS, tls_client_certificate_bound_access_tokens: true }),
    });
    expect(created.status).toBe(201);
    agentId = ((await created.json()) as { agent: { id: string } }).agent.id;

    prefix = await mkdtemp(join(tmpdir(), 'agentauth-nginx-'));
    await mkdir(join(prefix, 'logs'));
    await writeFile(join(prefix, 'agentauth.conf'), render(await readFile(TEMPLATE, 'utf8'), { port: proxyPort, node, certificate: serverCertificate }));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${join(prefix, name)};`).join('\n  ');
    await writeFile(
      join(prefix, 'nginx.conf'),
      `pid ${join(prefix, 'nginx.pid')};\nerror_log ${join(prefix, 'logs/error.log')} warn;\nevents {}\nhttp {\n  access_log ${join(prefix, 'logs/access.log')};\n  ${temp}\n  include ${join(prefix, 'agentauth.conf')};\n}\n`,
    );
    nginx = spawn('nginx', ['-p', prefix, '-e', join(prefix, 'logs/error.log'), '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.once('error', (error) => (nginxLog += `cannot run nginx (apt-get install nginx, see .ci/run): ${error.message}\n`));
    nginx.stdout?.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
    nginx.stderr?.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
    await untilListening(proxyPort, nginx, () => nginxLog);
  }, 180_000);

  afterAll(async () => {
    if (nginx !== undefined && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await server?.stop();
    if (prefix !== '') await rm(prefix, { recursive: true, force: true });
    pki.remove();
  });

  it('gives a tls_client_auth agent that presents its certificate to nginx a token bound to it', async () => {
    const { status, body } = await curlToken(proxyUrl, ['--cacert', root.certFile, '--cert', leaf.certFile, '--key', leaf.keyFile]);
    expect(status).toBe(200);
    const claims = decodeJwt(body['access_token'] as string);
    expect(claims.cnf).toEqual({ 'x5t#S256': pki.opensslThumbprint(leaf) });
    expect(claims.iss).toBe(`https://localhost:${new URL(proxyUrl).port}`);
    expect(claims.sub).toBe(agentId);
  });

  it('refuses the same agent through nginx without a certificate', async () => {
    const { status, body } = await curlToken(proxyUrl, ['--cacert', root.certFile]);
    expect(status).toBe(401);
    expect(body['error']).toBe('invalid_client');
  });

  it('drops a certificate header a client sends through nginx, in any spelling of its case', async () => {
    for (const name of ['ssl-client-cert', 'SSL-Client-Cert']) {
      const { status, body } = await curlToken(proxyUrl, ['--cacert', root.certFile, '-H', `${name}: ${forged}`]);
      expect(status).toBe(401);
      expect(body['error']).toBe('invalid_client');
    }
  });

  it('ignores the header sent straight to the node by a peer that is not the proxy', async () => {
    const direct = await directToken(node, '127.0.0.2', { 'ssl-client-cert': forged });
    expect(direct.status).toBe(401);
    expect(direct.body['error']).toBe('invalid_client');
    // From the proxy's address the node does honour it: the refusal above is the address check.
    expect((await directToken(node, '127.0.0.1', { 'ssl-client-cert': forged })).status).toBe(200);
  });
});
