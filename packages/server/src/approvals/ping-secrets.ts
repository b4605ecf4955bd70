import { openBox, sealBox } from '../keys/sealed-box.js';

/** What a ping callback needs (CIBA Core 1.0 §10.2): the client's bearer token and the request's id. */
export interface PingSecrets {
  notificationToken: string;
  authReqId: string;
}

/** The associated data a ping-mode request's secrets are sealed with: its approval id. */
export const cibaPingAad = (approvalId: string): string => `ciba-ping:${approvalId}`;

/** Seals a ping-mode request's secrets under the master key (AES-256-GCM), bound to its approval id. */
export function sealPingSecrets(masterKey: Buffer, approvalId: string, secrets: PingSecrets): string {
  return sealBox(masterKey, cibaPingAad(approvalId), Buffer.from(JSON.stringify({ t: secrets.notificationToken, r: secrets.authReqId }), 'utf8'));
}

/** Opens what {@link sealPingSecrets} sealed; throws `SealedBoxError` when it was not sealed for this approval. */
export function openPingSecrets(masterKey: Buffer, approvalId: string, sealed: string): PingSecrets {
  const value = JSON.parse(openBox(masterKey, cibaPingAad(approvalId), sealed).toString('utf8')) as { t: string; r: string };
  return { notificationToken: value.t, authReqId: value.r };
}
