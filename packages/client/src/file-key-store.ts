import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

import { checkStoredIdentity, type KeyStore, type StoredIdentity } from './key-store.js';

/** An identity file is a few hundred bytes; anything much larger is not ours. */
const MAX_FILE_BYTES = 64 * 1024;

/**
 * A key store in one JSON file, created with mode 0600 (owner read/write only) in a directory
 * created with mode 0700. Writes go to a temporary file (0600) then `rename` over the old one, so
 * a crash never leaves half a key. A file that exists but is readable by group or others is
 * refused (TypeError), like ssh does with a private key.
 *
 * Does not encrypt the key: protect the file as you would an ssh key, or supply a KeyStore over
 * your secret manager.
 */
export function fileKeyStore(path: string): KeyStore {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
  return {
    async load(): Promise<StoredIdentity | undefined> {
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        const stat = await handle.stat();
        if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) throw new TypeError(`the identity file ${path} must not be readable by group or others (chmod 600)`);
        if (stat.size > MAX_FILE_BYTES) throw new TypeError(`the identity file ${path} is too large`);
        const text = await readFile(handle, 'utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new TypeError(`the identity file ${path} is not JSON`);
        }
        return checkStoredIdentity(parsed);
      } finally {
        await handle.close();
      }
    },
    async save(identity: StoredIdentity): Promise<void> {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      try {
        const handle = await open(temporary, 'wx', 0o600);
        try {
          await handle.writeFile(`${JSON.stringify(identity, null, 2)}\n`, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        // The umask may have narrowed the mode but never widened it; make it exact anyway.
        await chmod(temporary, 0o600);
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}
