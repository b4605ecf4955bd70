/**
 * Everything that makes a credential stop working, announced in one place so the Shared Signals
 * transmitter (CAEP `session-revoked`, `credential-change`) and caches hear every path: RFC 7009
 * revocation, cascade revocation of exchanged tokens, an agent suspended, disabled or deleted, a
 * credential removed, a certificate revoked, a person suspended, disabled or deleted (every token
 * whose `sub` is the person). Times are ms.
 */
export type RevocationEvent =
  | { kind: 'token_revoked'; jti: string; agentId: string; at: number; reason: 'revoked' | 'cascade' }
  | { kind: 'agent_revoked'; agentId: string; status: 'suspended' | 'disabled' | 'deleted'; at: number }
  | {
      kind: 'credential_removed';
      agentId: string;
      credentialId: string;
      at: number;
      /** What was removed (`CredentialRecord.kind`), for CAEP `credential_type`; absent means a key. */
      credentialKind?: 'jwk' | 'secret';
    }
  | { kind: 'certificate_revoked'; agentId: string; serial: string; at: number }
  | { kind: 'person_revoked'; userId: string; status: 'suspended' | 'disabled' | 'deleted'; at: number };

export type RevocationListener = (event: RevocationEvent) => void;

/** An in-process publish/subscribe of {@link RevocationEvent}s. */
export class RevocationEvents {
  private readonly listeners = new Set<RevocationListener>();

  /** Delivers the event to every listener; one failing listener never stops the others. */
  publish(event: RevocationEvent, onListenerError: (error: unknown) => void = () => undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        onListenerError(error);
      }
    }
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
