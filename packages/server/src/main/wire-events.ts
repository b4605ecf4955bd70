import type { Logger } from 'pino';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import type { RevocationEvent, RevocationEvents } from '../events/revocation-events.js';
import type { SignalsTransmitter } from '../signals/transmitter.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * Who listens to what stops a credential working (`RevocationEvent`), all in one place.
 *
 * Who publishes: the agent service (an agent suspended, disabled or deleted: `agent_revoked`; a
 * key or secret removed: `credential_removed`), the revocation endpoint and the admin API (a token
 * revoked: `token_revoked`), cascade revocation (each token it revokes: `token_revoked`), the CA
 * (a certificate revoked: `certificate_revoked`), a person's revocation (a person suspended,
 * disabled or deleted: `person_revoked`, heard by the transmitter alone; the tokens it takes along
 * are revoked by that path itself, `oauth/authorization/revoke-person.ts`).
 *
 * Who listens, below: the Shared Signals transmitter (every event becomes a CAEP SET on the
 * streams that asked for it), the CA (an agent that stops being active loses its certificates,
 * and the CRL is reissued), cascade revocation (a revoked token or agent takes what was exchanged
 * from it along). Agent changes that revoke nothing (a rename, a new key) reach the caches through
 * the registry's own change hook instead (wire-agents.ts).
 */
export function wireRevocationListeners(deps: {
  events: RevocationEvents;
  logger: Pick<Logger, 'error'>;
  transmitter: Pick<SignalsTransmitter, 'publish'>;
  ca: Pick<CertificateAuthority, 'revokeAgent'>;
  cascade: (event: RevocationEvent) => Promise<void>;
  lifecycle: Lifecycle;
}): void {
  const { events, logger, lifecycle } = deps;
  const listen = (name: string, listener: (event: RevocationEvent) => Promise<unknown> | undefined) =>
    lifecycle.onClose(
      `${name} (revocation listener)`,
      events.subscribe((event) => {
        listener(event)?.catch((error: unknown) => logger.error({ err: error, kind: event.kind }, `${name} failed`));
      }),
    );
  listen('queuing security events', (event) => deps.transmitter.publish(event));
  listen('revoking the certificates of an agent', (event) => (event.kind === 'agent_revoked' ? deps.ca.revokeAgent(event.agentId, `agent ${event.status}`) : undefined));
  listen('cascade revocation', deps.cascade);
}
