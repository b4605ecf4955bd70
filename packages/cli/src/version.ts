import { readFileSync } from 'node:fs';

/**
 * The CLI's version, from its package.json (one directory above both `src/` and `dist/`), read
 * when asked for: `agentauth --version`.
 */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new TypeError('the CLI package.json has no version');
  return manifest.version;
}
