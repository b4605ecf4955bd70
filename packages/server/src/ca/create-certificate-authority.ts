import type { Config } from '../config/config.js';
import type { Deps } from '../deps.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { CaStore } from '../store/ports/ca-store.js';
import { CertificateAuthority } from './certificate-authority.js';

/** How often each node applies due CA rotations and loads other nodes' changes (ms). */
export const CA_SYNC_MS = 60_000;
/** How often each node checks whether a CRL is due (ms): well within the hourly reissue. */
export const CRL_CHECK_MS = 30_000;
/**
 * How often each node reloads the revoked certificate serials when another node revoked one (ms):
 * one primary-key read per poll. A revocation on this node counts at once.
 */
export const REVOCATION_POLL_MS = 1_000;

/**
 * Builds the CA over the shared database, creates the hierarchy at the first start (or loads it)
 * and starts its timers. Returns the CA and the function that stops the timers.
 */
export async function createCertificateAuthority(
  deps: Pick<Deps, 'clock' | 'random' | 'logger' | 'commitLog' | 'events'> & {
    config: Pick<Config, 'issuer' | 'trustDomain' | 'certificateTtl' | 'caIntermediateTtl'>;
    masterKey: Buffer;
    store: CaStore;
    agents: Pick<AgentStore, 'getAgent'>;
  },
): Promise<{ ca: CertificateAuthority; stop: () => void }> {
  const ca = new CertificateAuthority({
    store: deps.store,
    agents: deps.agents,
    masterKey: deps.masterKey,
    clock: deps.clock,
    random: deps.random,
    commitLog: deps.commitLog,
    events: deps.events,
    logger: { info: (msg) => deps.logger.info(msg), warn: (msg) => deps.logger.warn(msg), error: (obj, msg) => deps.logger.error(obj, msg) },
    issuer: deps.config.issuer,
    trustDomain: deps.config.trustDomain,
    certificateTtl: deps.config.certificateTtl,
    intermediateTtl: deps.config.caIntermediateTtl,
  });
  await ca.sync();
  return { ca, stop: ca.start({ syncMs: CA_SYNC_MS, crlMs: CRL_CHECK_MS, revocationPollMs: REVOCATION_POLL_MS }) };
}
