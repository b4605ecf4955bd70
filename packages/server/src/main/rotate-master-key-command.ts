import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from '../config/config.js';
import { lockDataDir } from '../data-dir-lock.js';
import { MASTER_KEY_BYTES, MASTER_KEY_FILE, replaceMasterKeyFile, resolveMasterKey } from '../keys/master-key.js';
import { rotateMasterKey } from './rotate-master-key.js';
import type { ResealCounts } from '../store/ports/sealed-value-store.js';
import { openStore } from '../store/sql/open-store.js';

/** Base64 (RFC 4648 §4, padded) of exactly 32 bytes, the form `openssl rand -base64 32` prints. */
const KEY_TEXT = /^[A-Za-z0-9+/]{43}=$/;

/** A new master key that cannot be used, said without echoing any of it. */
export class NewMasterKeyError extends Error {
  override readonly name = 'NewMasterKeyError';
}

/** Decodes the new key as read from standard input (surrounding whitespace ignored). */
export function parseNewMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!KEY_TEXT.test(trimmed)) throw new NewMasterKeyError(`standard input must hold the new master key: base64 of exactly ${MASTER_KEY_BYTES} bytes (openssl rand -base64 32)`);
  return Buffer.from(trimmed, 'base64');
}

/**
 * `agentauth-server rotate-master-key` (`agentauth master-key rotate`): re-encrypts everything
 * sealed under the current master key (the configured one, else `master.key` in the data
 * directory) under `next`, in one audited transaction, after migrating the schema as `start` does.
 * When the current key came from the data directory, the file is replaced with the new key once
 * the transaction has committed. On SQLite the data directory's lock is held throughout, so it
 * refuses while a server runs there; on PostgreSQL nothing can tell, so every node must be
 * stopped first (a node still running would seal new values under the old key).
 */
export async function rotateMasterKeyOnce(config: Config, next: Buffer): Promise<ResealCounts> {
  const lock = config.databaseUrl === undefined ? lockDataDir(config.dataDir) : undefined;
  try {
    // Never generate a key here: a fresh one opens nothing, and would be left behind for the next start.
    if (config.masterKey === undefined && !existsSync(join(config.dataDir, MASTER_KEY_FILE))) {
      throw new NewMasterKeyError(`no current master key: AGENTAUTH_MASTER_KEY is not set and ${join(config.dataDir, MASTER_KEY_FILE)} does not exist`);
    }
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const current = await resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, logger });
    if (current.equals(next)) throw new NewMasterKeyError('the new master key is the current one');
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
    let counts: ResealCounts;
    try {
      counts = await rotateMasterKey(store, { current, next }, Date.now());
    } finally {
      await store.close();
    }
    if (config.masterKey === undefined) await replaceMasterKeyFile(config.dataDir, next);
    return counts;
  } finally {
    lock?.release();
  }
}

/** What the command prints once the rotation has committed. */
export function describeRotation(counts: ResealCounts, keyInDataDir: boolean): string {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([column, n]) => `${column} ${n}`);
  return (
    `master key rotated: ${total} sealed values re-encrypted${parts.length > 0 ? ` (${parts.join(', ')})` : ''}\n` +
    (keyInDataDir ? 'master.key in the data directory now holds the new key.\n' : 'Start every node with the new AGENTAUTH_MASTER_KEY; the old one no longer opens this database.\n')
  );
}
