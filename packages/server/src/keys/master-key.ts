import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDirectory } from '../private-directory.js';

/** Length of the master key: AES-256 (ARCHITECTURE.md, Security rules). */
export const MASTER_KEY_BYTES = 32;

/** File name of the generated master key inside the data directory. */
export const MASTER_KEY_FILE = 'master.key';

/** Base64 (RFC 4648 §4, padded) of exactly 32 bytes, optionally followed by a newline. */
const KEY_FILE_PATTERN = /^([A-Za-z0-9+/]{43}=)\r?\n?$/;

/** A key file is tiny; reading more than this means it is not ours. */
const KEY_FILE_MAX_BYTES = 256;

export interface ResolveMasterKeyOptions {
  /** The operator-supplied key (config `masterKey`), already decoded; wins when present. */
  configured: Buffer | undefined;
  dataDir: string;
  logger: { warn(msg: string): void };
}

/**
 * Returns the key that encrypts private keys at rest (AES-256-GCM; ARCHITECTURE.md, Security rules).
 *
 * A configured key is used as is. Otherwise `<dataDir>/master.key` (base64 of 32 bytes) is read,
 * or created exactly once: the key is written to a private temporary file and hard-linked into
 * place, so two processes starting together never both create one and never see half a file. The
 * data directory is created with mode 0700 and the file with mode 0600; a key file readable by the
 * group or others, or not exactly 32 bytes, is refused rather than repaired, because it may already
 * have leaked or been replaced.
 *
 * Every start without a configured key logs a warning: the key sits beside the database it
 * protects, so a copy of the data directory is a copy of every signing key. The key itself is
 * never logged.
 *
 * The data directory must be private (`ensurePrivateDirectory`). Does NOT check who owns the file.
 */
export async function resolveMasterKey(options: ResolveMasterKeyOptions): Promise<Buffer> {
  const { configured, dataDir, logger } = options;
  if (configured !== undefined) {
    if (!Buffer.isBuffer(configured) || configured.length !== MASTER_KEY_BYTES) {
      throw new TypeError(`masterKey must be exactly ${MASTER_KEY_BYTES} bytes`);
    }
    return configured;
  }
  if (typeof dataDir !== 'string' || dataDir === '') throw new TypeError('dataDir must be a non-empty string');

  ensurePrivateDirectory(dataDir);
  const path = join(dataDir, MASTER_KEY_FILE);
  const key = (await readKeyFile(path)) ?? (await createKeyFile(dataDir, path));
  logger.warn(
    `WARNING: the master key is stored beside the data, in ${path}; anyone who can read the data ` +
      'directory can decrypt the signing keys. Configure masterKey from a secret manager instead.',
  );
  return key;
}

/** Reads an existing key file, or returns undefined when there is none. */
async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    // O_NOFOLLOW: a symlink planted in the data directory must not redirect us to another file.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`master key ${path} is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new Error(`master key ${path} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    if (stat.size > KEY_FILE_MAX_BYTES) throw new Error(`master key ${path} must hold base64 of exactly ${MASTER_KEY_BYTES} bytes`);
    const text = (await handle.readFile()).toString('latin1');
    const match = KEY_FILE_PATTERN.exec(text);
    const key = match?.[1] === undefined ? undefined : Buffer.from(match[1], 'base64');
    if (key?.length !== MASTER_KEY_BYTES) {
      // The message never includes the content: it may be a key in another format.
      throw new Error(`master key ${path} must hold base64 of exactly ${MASTER_KEY_BYTES} bytes`);
    }
    return key;
  } finally {
    await handle.close();
  }
}

/** Creates the key file atomically; if another process won the race, returns its key instead. */
async function createKeyFile(dataDir: string, path: string): Promise<Buffer> {
  const key = randomBytes(MASTER_KEY_BYTES);
  const temporary = join(dataDir, `.${MASTER_KEY_FILE}.${randomBytes(8).toString('hex')}.tmp`);
  // O_EXCL + 0600 from the first byte: the key is never readable by others, not even briefly.
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // link(2) fails with EEXIST instead of replacing: exactly one process installs its key.
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readKeyFile(path);
    if (winner === undefined) throw error;
    return winner;
  } finally {
    await unlink(temporary);
    await syncDirectory(dataDir);
  }
  return key;
}

/**
 * Replaces `<dataDir>/master.key` with `key` (after `agentauth master-key rotate`, when the key
 * lives in the data directory): written to a private temporary file, synced, then renamed over the
 * old one, so a crash leaves either the old file or the new one, never half of either.
 */
export async function replaceMasterKeyFile(dataDir: string, key: Buffer): Promise<void> {
  if (!Buffer.isBuffer(key) || key.length !== MASTER_KEY_BYTES) throw new TypeError(`masterKey must be exactly ${MASTER_KEY_BYTES} bytes`);
  const temporary = join(dataDir, `.${MASTER_KEY_FILE}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(dataDir, MASTER_KEY_FILE));
  await syncDirectory(dataDir);
}

/** Makes the new directory entry durable, so a crash cannot lose a key that already encrypted data. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
