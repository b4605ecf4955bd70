import { createHash } from 'node:crypto';
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
 * once; later starts (and other nodes) accept that stored digest. Returns the accepted digest.
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

/** The banner printed once at the first start: to the terminal, never into the structured log. */
export function printBootstrapToken(token: string): void {
  process.stdout.write(
    [
      '',
      '================================================================================',
      ' agentauth: first start. Admin bootstrap token (shown ONCE, store it now):',
      '',
      `   ${token}`,
      '',
      ' Use it as AGENTAUTH_ADMIN_TOKEN for the CLI, or as a Bearer token on /admin/v1.',
      '================================================================================',
      '',
    ].join('\n') + '\n',
  );
}
