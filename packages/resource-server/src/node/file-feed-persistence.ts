import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FeedPersistence, FeedState } from '../signals-feed.js';

/**
 * Keeps a signals feed's state in one JSON file, written atomically (a temporary file, then
 * `rename`), so a crash leaves the old or the new state, never half of one. The file holds
 * revoked `jti`s and agent ids, which are not secrets; it is created with mode 0600 anyway.
 * A missing or unreadable file is a first start.
 */
export function fileFeedPersistence(path: string): FeedPersistence {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
  return {
    async load() {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    async save(state: FeedState) {
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, JSON.stringify(state), { mode: 0o600 });
      await rename(temporary, path);
    },
  };
}
