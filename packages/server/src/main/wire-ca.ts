import type { Config } from '../config/config.js';
import type { Deps } from './deps.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { CaStore } from '../store/ports/ca-store.js';
import { CertificateAuthority } from '../ca/certificate-authority.js';
import type { CertificatePolicy } from '../ca/certificate-policy.js';
import type { Lifecycle } from './lifecycle.js';

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
 * The built-in CA (docs/ca.md) over the shared database: the hierarchy created at the first start
 * (or loaded), and its timers (rotation, CRL reissue, other nodes' revocations) running. Agents
 * are read through `agents` (the registry's cache, which every suspension invalidates at once).
 */
export async function wireCertificateAuthority(
  deps: Pick<Deps, 'clock' | 'random' | 'logger' | 'commitLog' | 'events'> & {
    config: Pick<Config, 'issuer' | 'trustDomain' | 'certificateTtl' | 'caIntermediateTtl'>;
    masterKey: Buffer;
    store: CaStore;
    agents: Pick<AgentStore, 'getAgent'>;
    policy: CertificatePolicy;
    lifecycle: Lifecycle;
  },
): Promise<CertificateAuthority> {
  const ca = new CertificateAuthority({
    store: deps.store,
    agents: deps.agents,
    policy: deps.policy,
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
  deps.logger.info('loading the certificate authority (the first start creates it)');
  await ca.sync();
  deps.lifecycle.onClose('CA timers', ca.start({ syncMs: CA_SYNC_MS, crlMs: CRL_CHECK_MS, revocationPollMs: REVOCATION_POLL_MS }));
  return ca;
}
