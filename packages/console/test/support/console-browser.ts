import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { docsScreenshot } from '../../../cli/test/helpers/docs-screenshot.js';
import { startServerProcess, type ServerProcess } from '../../../cli/test/helpers/server-process.js';

export const BOOTSTRAP = 'console-browser-bootstrap-token-0123456789abcdef';
export const PASSWORD = 'correct horse battery staple';

/** The roles of the people issue, one person each: `<role>@example.com`. */
export type Role = 'admin' | 'operator' | 'auditor';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * A real server process (`agentauth start`, the console built by `npm run build`), Debian's
 * Chromium through playwright-core, and one signed-in person per role: what every console test
 * starts from.
 */
export interface ConsoleRig {
  server: ServerProcess;
  browser: Browser;
  /** The admin API with the bootstrap token, for arranging what a test then looks at. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** A new browser context signed in as `role`, on the console's page `path` (below /console). */
  signIn(role: Role, path?: string, viewport?: { width: number; height: number }): Promise<SignedIn>;
  close(): Promise<void>;
}

export interface SignedIn {
  page: Page;
  context: BrowserContext;
  /** Everything the page refused or threw: CSP violations, console errors, uncaught exceptions. */
  problems: string[];
}

export async function startConsoleRig(env: Record<string, string> = {}): Promise<ConsoleRig> {
  const server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, ...env } });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${BOOTSTRAP}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  for (const role of ['admin', 'operator', 'auditor'] as const) {
    const made = await admin('POST', '/users', { email: `${role}@example.com`, name: `${role[0]?.toUpperCase()}${role.slice(1)} Person`, roles: [role], password: PASSWORD });
    if (made.status !== 201) throw new Error(`could not create the ${role}: ${JSON.stringify(made.body)}`);
  }
  const signIn = async (role: Role, path = '/', viewport = { width: 1280, height: 860 }): Promise<SignedIn> => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const target = path === '/' ? '/console' : `/console${path}`;
    await page.goto(`${server.url}${target}`);
    // Not signed in: the console sends the person to sign in, and back.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.fill('#email', `${role}@example.com`);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await expect.poll(() => new URL(page.url()).pathname).toBe(target);
    await page.waitForSelector('#signed-in-as');
    // The first visit's 401 from /console/api/session (not signed in yet) is how it got here.
    problems.length = 0;
    return { page, context, problems };
  };
  return {
    server,
    browser,
    admin,
    signIn,
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/**
 * axe-core's WCAG 2.x A/AA rules on the page as it is now; the violations of impact "serious" or
 * "critical", described. axe runs through the DevTools protocol (`evaluate`), which the console's
 * CSP does not govern, so the page is checked with its real policy in force.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${axeSource}\n;undefined`);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`)) as {
    violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/**
 * The page's own accessibility and security state: no serious violation, no CSP refusal, no error.
 * `refusals` are HTTP statuses the test provoked on purpose (Chromium logs each failed request).
 */
export async function expectCleanPage(signedIn: SignedIn, refusals: number[] = []): Promise<void> {
  expect(await accessibilityViolations(signedIn.page)).toEqual([]);
  const provoked = (problem: string) => refusals.some((status) => problem.includes(`Failed to load resource: the server responded with a status of ${status} `));
  expect(signedIn.problems.filter((problem) => !provoked(problem))).toEqual([]);
}

/** A screenshot for docs/console.md (taken only when AGENTAUTH_SCREENSHOT_DIR is set). */
export const screenshot = docsScreenshot;
