import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds before any test runs: worker threads (the SQLite group commit) and the CLI's end-to-end
 * tests run the compiled JavaScript, which must never be staler than the sources. Incremental, so
 * a second build (after `npm test`'s own) costs a few seconds.
 */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: 'inherit' });
}
