import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT } from './helpers/server-process.js';
import { readmeBlocks, type ReadmeBlock } from './helpers/readme-commands.js';
import { ShellSession } from './helpers/shell-session.js';

const SECTION = '## Five minutes with agentauth';
const README_URL = 'http://127.0.0.1:8080';
/** What the reader types at step 8's `read -rs PASSPHRASE`. */
const PASSPHRASE = 'walkthrough passphrase 2026';

/**
 * The README's five-minute walkthrough, as a newcomer runs it: in a fresh copy of the repository
 * (the files git would check out, no node_modules, no dist), `npm ci && npm start`, then every
 * `sh` block of the section in one shell, through `npx agentauth` and curl. The commands come from
 * the README itself; only what a reader copies from the output (`agt_...`, a client secret) and
 * the port are filled in.
 */
describe('README walkthrough on a fresh copy of the repository', () => {
  const blocks = readmeBlocks(join(ROOT, 'README.md'), SECTION);
  let clone: string;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let shell: ShellSession;
  let url: string;
  /** What the last commands printed that a reader would copy into the next ones. */
  const copied = { agentId: '', clientSecret: '' };

  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'agentauth-clone-'));
    copyWorkingTree(ROOT, clone);
  });

  // Stopping the server gracefully and removing a copy with its node_modules (~200 MB) is minutes
  // of work on a busy machine, not the 30 s a hook gets by default: the bound is only a safety net.
  afterAll(async () => {
    shell?.close();
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    if (clone !== undefined) rmSync(clone, { recursive: true, force: true });
  }, 300_000);

  it('has the steps this test walks through', () => {
    expect(blocks.map((block) => block.step)).toEqual([
      expect.stringMatching(/^\*\*1\./),
      expect.stringMatching(/^\*\*2\./),
      expect.stringMatching(/^\*\*3\./),
      expect.stringMatching(/^\*\*4\./),
      expect.stringMatching(/^\*\*5\./),
      expect.stringMatching(/^\*\*6\./),
      expect.stringMatching(/^\*\*7\./),
      expect.stringMatching(/^\*\*8\./),
    ]);
    expect(blocks[0]!.commands).toEqual(['npm ci && npm start']);
  });

  it('1. npm ci && npm start: the server starts and writes the bootstrap token to a private file, not the log', async () => {
    // npm ci first, on its own: it must link `agentauth` although nothing is built yet.
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: clone, stdio: 'pipe', timeout: 600_000 });
    expect(existsSync(join(clone, 'node_modules/.bin/agentauth'))).toBe(true);

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = { ...cleanEnv(), AGENTAUTH_PORT: String(port), AGENTAUTH_MTLS_PORT: String(await freePort()) };
    server = spawn('npm', ['start'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    await waitFor(() => /agentauth listening/.test(serverOutput), () => `npm start did not start the server:\n${serverOutput}`, 300_000);

    // What it said it was doing, in order, before the server line.
    const order = ['building', 'opening the database', 'loading the signing keys', 'loading the certificate authority', 'agentauth listening'].map((text) => serverOutput.indexOf(text));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const tokenFile = join(clone, '.agentauth/bootstrap-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^aab_[A-Za-z0-9_-]{43}$/);
    // stdout and stderr are pipes here, as under a log collector: the token is in neither.
    expect(serverOutput).not.toContain(token);
    expect(serverOutput).toContain(tokenFile);

    shell = new ShellSession(clone, { ...cleanEnv(), AGENTAUTH_URL: url });
  }, 900_000);

  it('2. creates an agent through npx agentauth, its private key kept in a 0600 file', async () => {
    const outputs = await runBlock(blocks[1]!);
    copied.agentId = /^id:\s+(agt_\S+)$/m.exec(outputs.at(-1)!)![1]!;
    expect(statSync(join(clone, 'invoice-bot.jwk')).mode & 0o777).toBe(0o600);
  });

  it('3. gets a token with npx agentauth token', async () => {
    const [token] = await runBlock(blocks[2]!);
    const claims = JSON.parse(Buffer.from(token!.trim().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: url, sub: copied.agentId, aud: 'https://api.example.com', scope: 'invoices:read' });
  });

  it('4. gets a token with curl and a client secret', async () => {
    const [created] = await runBlock(blocks[3]!.commands.slice(0, 1), blocks[3]!.step);
    copied.agentId = /^id:\s+(agt_\S+)$/m.exec(created!)![1]!;
    copied.clientSecret = /^client secret:\s+(\S+)/m.exec(created!)![1]!;
    await runBlock(blocks[3]!.commands.slice(1), blocks[3]!.step);
    expect((await shell.run('echo "$TOKEN"')).stdout).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('5. introspects it: active', async () => {
    const [introspection] = await runBlock(blocks[4]!);
    expect(JSON.parse(introspection!)).toMatchObject({ active: true, sub: copied.agentId, scope: 'invoices:read', aud: 'https://api.example.com' });
  });

  it('6. revokes it: inactive', async () => {
    const [revoked, introspection] = await runBlock(blocks[5]!);
    expect(revoked).toBe('');
    expect(JSON.parse(introspection!)).toEqual({ active: false });
  });

  it('7. shows every step in the audit log, and the chain verifies', async () => {
    const [tail, tokens, verify] = await runBlock(blocks[6]!);
    for (const event of ['agent.registered', 'access_token.issued', 'access_token.introspected', 'access_token.revoked']) expect(tail).toContain(event);
    expect(tail).toContain(`${copied.agentId} (legacy-script)`);
    // The legacy script's one token, revoked in step 6.
    expect(tokens).toMatch(/invoices:read/);
    expect(verify).toMatch(/ok|intact|verified/i);
    expect(verify).toMatch(/head:\s+\d+:\S+/);
  });

  it('8. makes an admin with a passphrase on standard input, who signs in to the console in Chromium and sees the overview', async () => {
    await runBlock(blocks[7]!);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/console`);
      await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
      await page.fill('#email', 'you@example.com');
      await page.fill('#password', PASSPHRASE);
      await page.click('button[type=submit]');
      await expect.poll(() => new URL(page.url()).pathname).toBe('/console');
      await expect.poll(() => page.textContent('#signed-in-as')).toBe('Your Name');
      await expect.poll(() => page.locator('main h1').textContent()).toBe('Overview');
    } finally {
      await browser.close();
    }
  });

  /** Runs a block's commands in the shell; each must succeed. Returns what each printed. */
  async function runBlock(block: ReadmeBlock | string[], step = ''): Promise<string[]> {
    const commands = Array.isArray(block) ? block : block.commands;
    const outputs: string[] = [];
    for (const written of commands) {
      const command = fillIn(written);
      const result = await shell.run(command);
      if (result.status !== 0) throw new Error(`${Array.isArray(block) ? step : block.step} \`${written}\` exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
      outputs.push(result.stdout);
    }
    return outputs;
  }

  /** What a reader changes in a README command: the values they copied or typed, and our port. */
  function fillIn(command: string): string {
    if (command === 'read -rs PASSPHRASE') return `PASSPHRASE='${PASSPHRASE}'`;
    return command
      .replaceAll(README_URL, url)
      .replaceAll('agt_...', copied.agentId)
      .replaceAll('CLIENT_SECRET=...', `CLIENT_SECRET=${copied.clientSecret}`);
  }
});

/** The files a fresh clone of this working tree would have: tracked and new, never ignored ones. */
function copyWorkingTree(from: string, to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: from, encoding: 'utf8' }).split('\0');
  for (const file of files) {
    if (file === '' || !existsSync(join(from, file))) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
    // Keep the executable bit (the bin stubs).
    chmodSync(join(to, file), statSync(join(from, file)).mode & 0o777);
  }
}

/** This process's environment without AGENTAUTH_* settings, as a newcomer's shell has it. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_') && !name.startsWith('VITEST') && name !== 'NODE_ENV') env[name] = value;
  return env;
}

async function waitFor(condition: () => boolean, message: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
