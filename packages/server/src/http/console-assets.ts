import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built console (`packages/console/dist`), read into memory once at start. */
export interface ConsoleAssets {
  index: Buffer;
  /** By path under the console's root (`assets/index-1a2b3c.js`). */
  files: ReadonlyMap<string, { body: Buffer; type: string }>;
}

/** Where `npm run build` puts the console, relative to this module in `src/http/` or `dist/http/`. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** A bundle is a few MiB at most: this bounds what start reads, whatever the directory holds. */
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/**
 * Reads the built console: `index.html` and every file under `assets/` whose type is known. The
 * routes answer from this map alone, so no request path ever reaches the file system (no path
 * traversal to guard). Undefined when the console was not built.
 */
export function loadConsoleAssets(directory: string = DEFAULT_CONSOLE_DIR): ConsoleAssets | undefined {
  const indexPath = join(directory, 'index.html');
  if (!existsSync(indexPath)) return undefined;
  const files = new Map<string, { body: Buffer; type: string }>();
  let total = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const type = TYPES[extname(name)];
      if (type === undefined) continue;
      const body = readFileSync(path);
      total += body.length;
      if (total > MAX_TOTAL_BYTES) throw new Error(`the console at ${directory} is over ${MAX_TOTAL_BYTES} bytes: not a build of packages/console`);
      files.set(relative(directory, path).split(sep).join('/'), { body, type });
    }
  };
  const assets = join(directory, 'assets');
  if (existsSync(assets)) walk(assets);
  return { index: readFileSync(indexPath), files };
}
