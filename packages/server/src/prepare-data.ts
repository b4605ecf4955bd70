import pino from 'pino';
import { announceBootstrapToken, resolveBootstrapToken } from './bootstrap-token.js';
import type { Config } from './config/config.js';
import { resolveMasterKey } from './keys/master-key.js';
import { cryptoRandom } from './random.js';
import { openStore } from './store/sql/open-store.js';

/**
 * What must happen exactly once before several workers start: migrations, the master key file
 * and the bootstrap token. A single-process server does the same inside `startServer`.
 */
export async function prepareDataOnce(config: Config): Promise<void> {
  const logger = pino({ level: config.logLevel });
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
  try {
    await resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, logger });
    await resolveBootstrapToken(store, config.bootstrapToken, cryptoRandom, announceBootstrapToken({ dataDir: config.dataDir, logger }));
  } finally {
    await store.close();
  }
}
