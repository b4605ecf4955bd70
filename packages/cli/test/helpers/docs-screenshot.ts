import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/**
 * Screenshots for docs/images/, taken by the browser tests only when asked:
 * `AGENTAUTH_SCREENSHOT_DIR=/some/dir npx vitest run packages/cli/test/*browser*`. A screenshot
 * proves nothing the assertions around it do not, and headless Chromium can refuse to capture one
 * on a loaded machine ("Unable to capture screenshot"), so an ordinary run does not take them.
 */
const directory = process.env['AGENTAUTH_SCREENSHOT_DIR'];

export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (directory === undefined || directory === '') return;
  mkdirSync(directory, { recursive: true });
  await page.screenshot({ path: join(directory, name) });
}
