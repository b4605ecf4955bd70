import { createHash } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirectory } from './private-directory.js';
import type { Random } from './random.js';

/** Store setting holding the SHA-256 of the generated bootstrap token. */
export const BOOTSTRAP_TOKEN_SETTING = 'bootstrap_token_sha256';

export interface BootstrapSettingsStore {
  getSetting(name: string): Promise<string | undefined>;
  /** Inserts if absent, atomically; returns false when a value was already there. */
  insertSettingIfAbsent(name: string, value: string): Promise<boolean>;
}

/**
 * The admin bootstrap credential. A configured `AGENTAUTH_BOOTSTRAP_TOKEN` is the one accepted.
 * Without one, the first start generates a 256-bit token, stores only its SHA-256, and prints it
 * once (see {@link announceBootstrapToken}); later starts (and other nodes) accept that stored digest. Returns the accepted digest.
 */
export async function resolveBootstrapToken(
  store: BootstrapSettingsStore,
  configured: string | undefined,
  random: Random,
  announce: (token: string) => void,
): Promise<Buffer> {
  if (configured !== undefined) return sha256(configured);
  const stored = await store.getSetting(BOOTSTRAP_TOKEN_SETTING);
  if (stored !== undefined) return Buffer.from(stored, 'base64url');
  const token = `aab_${random.token(32)}`;
  const digest = sha256(token);
  if (await store.insertSettingIfAbsent(BOOTSTRAP_TOKEN_SETTING, digest.toString('base64url'))) {
    announce(token);
    return digest;
  }
  // Another node won the race; its token is the one.
  const winner = await store.getSetting(BOOTSTRAP_TOKEN_SETTING);
  if (winner === undefined) throw new Error('bootstrap token setting vanished');
  return Buffer.from(winner, 'base64url');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** File in the data directory that receives the generated bootstrap token (mode 0600). */
export const BOOTSTRAP_TOKEN_FILE = 'bootstrap-token';

/** Where the announcement goes: the data directory, the log, and the terminal if there is one. */
export interface BootstrapTokenAnnouncement {
  dataDir: string;
  logger: { warn(obj: object, msg: string): void };
  /** The operator's terminal: the banner is written only when it is a TTY. */
  terminal?: { isTTY?: boolean; write(text: string): unknown };
}

/**
 * How a first start hands the generated token to the operator without putting it in the log
 * stream: log lines (stdout, JSON) are kept by collectors, so the token goes to
 * `<dataDir>/bootstrap-token` (mode 0600, written beside and replaced atomically, never through a
 * symlink) and, when stderr is a terminal, into a banner there. The log line names the file only.
 */
export function announceBootstrapToken(options: BootstrapTokenAnnouncement): (token: string) => void {
  return (token) => {
    ensurePrivateDirectory(options.dataDir);
    const path = join(options.dataDir, BOOTSTRAP_TOKEN_FILE);
    writePrivateFile(path, `${token}\n`);
    options.logger.warn({ file: path }, `first start: the admin bootstrap token was written to ${path} (mode 0600); store it in a secret manager, then delete the file`);
    const terminal = options.terminal ?? process.stderr;
    if (terminal.isTTY === true) terminal.write(banner(token, path));
  };
}

function writePrivateFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  // O_EXCL|O_NOFOLLOW: a file or symlink planted under the temporary name is never written through.
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

function banner(token: string, path: string): string {
  return (
    [
      '',
      '================================================================================',
      ' agentauth: first start. Admin bootstrap token (store it now):',
      '',
      `   ${token}`,
      '',
      ` Also in ${path} (mode 0600): delete it once stored.`,
      ' Use it as AGENTAUTH_ADMIN_TOKEN for the CLI, or as a Bearer token on /admin/v1.',
      '================================================================================',
      '',
    ].join('\n') + '\n'
  );
}
