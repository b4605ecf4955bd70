import { CAEP_CREDENTIAL_CHANGE, CAEP_SESSION_REVOKED, type CaepCredentialType, type SubjectIdentifier } from '@agentauth/protocol';
import type { RevocationEvent } from '../events/revocation-events.js';

/** One security event, before it is addressed to a stream and signed. */
export interface Signal {
  /** The event type URI, the one key of the SET's `events`. */
  eventType: string;
  /** RFC 9493 subject, the SET's `sub_id`. */
  subject: SubjectIdentifier;
  /** The event's members (CAEP 1.0 §2 and the event type's own). */
  payload: Record<string, unknown>;
}

/**
 * CAEP 1.0 §2 `event_timestamp` of a revocation at `atMs`, rounded UP to the second: receivers
 * treat the agent event as "tokens issued before this time are revoked", and rounding down would
 * let a token issued in the same second as the revocation live on (fail closed).
 */
export function eventTimestamp(atMs: number): number {
  return Math.ceil(atMs / 1000);
}

/**
 * Maps a revocation to its CAEP 1.0 event:
 *
 * - a token revoked (RFC 7009, or by cascade from the token it was exchanged from): §3.1
 *   `session-revoked` about that token, an RFC 9493 §3.2.5 `jwt_id` subject (`iss`, `jti`);
 * - an agent suspended, disabled or deleted: `session-revoked` about the agent, an `iss_sub`
 *   subject (`sub` = the agent id), whose `event_timestamp` tells receivers that every token the
 *   agent got before then is revoked;
 * - a person suspended, disabled or deleted: `session-revoked` about the person, an `iss_sub`
 *   subject (`sub` = the person's id): every token whose `sub` is the person (theirs, and those
 *   agents obtained by exchanging theirs) issued before then is revoked;
 * - a credential removed: §3.3 `credential-change`, `change_type` `delete`; a certificate revoked:
 *   `credential-change`, `change_type` `revoke`, `credential_type` `x509` with `x509_serial`.
 *
 * `initiating_entity` (CAEP 1.0 §2): `user` when the agent itself revoked its token, `system` for a
 * cascade, `admin` for everything done through the admin API.
 */
export function revocationSignal(issuer: string, event: RevocationEvent): Signal {
  const event_timestamp = eventTimestamp(event.at);
  switch (event.kind) {
    case 'token_revoked':
      return {
        eventType: CAEP_SESSION_REVOKED,
        subject: { format: 'jwt_id', iss: issuer, jti: event.jti },
        payload: {
          event_timestamp,
          initiating_entity: event.reason === 'cascade' ? 'system' : 'user',
          reason_admin: { en: event.reason === 'cascade' ? 'the token it was exchanged from was revoked' : 'revoked by its client (RFC 7009)' },
        },
      };
    case 'agent_revoked':
      return {
        eventType: CAEP_SESSION_REVOKED,
        subject: { format: 'iss_sub', iss: issuer, sub: event.agentId },
        payload: { event_timestamp, initiating_entity: 'admin', reason_admin: { en: `agent ${event.status}` } },
      };
    case 'person_revoked':
      return {
        eventType: CAEP_SESSION_REVOKED,
        subject: { format: 'iss_sub', iss: issuer, sub: event.userId },
        payload: { event_timestamp, initiating_entity: 'admin', reason_admin: { en: `person ${event.status}` } },
      };
    case 'credential_removed':
      return {
        eventType: CAEP_CREDENTIAL_CHANGE,
        subject: { format: 'iss_sub', iss: issuer, sub: event.agentId },
        payload: {
          credential_type: credentialType(event.credentialKind),
          change_type: 'delete',
          friendly_name: event.credentialId,
          event_timestamp,
          initiating_entity: 'admin',
        },
      };
    case 'certificate_revoked':
      return {
        eventType: CAEP_CREDENTIAL_CHANGE,
        subject: { format: 'iss_sub', iss: issuer, sub: event.agentId },
        payload: { credential_type: 'x509' satisfies CaepCredentialType, change_type: 'revoke', x509_serial: event.serial, event_timestamp, initiating_entity: 'admin' },
      };
  }
}

/**
 * CAEP 1.0 §3.3.1 `credential_type`: a client secret is a `password`; a registered public key is
 * `jwk`, a value CAEP lets transmitter and receiver agree on (no listed type fits a
 * `private_key_jwt` key). Publishers that do not say which kind went were removing keys.
 */
function credentialType(kind: 'jwk' | 'secret' | undefined): CaepCredentialType {
  return kind === 'secret' ? 'password' : 'jwk';
}
