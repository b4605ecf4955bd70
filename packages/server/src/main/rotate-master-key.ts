import { caKeyAad } from '../ca/ca-hierarchy.js';
import { cibaPingAad } from '../approvals/ping-secrets.js';
import { loginProviderAad } from '../people/login-provider-service.js';
import { totpAad } from '../people/totp-secret.js';
import { loginRequestAad } from '../people/upstream-sign-in.js';
import { ssfStreamAad } from '../signals/stream-service.js';
import { MASTER_KEY_CHECK_SETTING, masterKeyCheck } from '../node-agreement.js';
import type { ResealCounts, SealedColumn, SealedValue, SealedValueStore } from '../store/ports/sealed-value-store.js';
import { signingKeyAad } from '../keys/key-ring.js';
import { MASTER_KEY_BYTES } from '../keys/master-key.js';
import { openBox, sealBox, SealedBoxError } from '../keys/sealed-box.js';

/** The associated data each sealed column binds its values to, from the module that seals them. */
const AAD: Record<SealedColumn, (id: string) => string> = {
  signing_key: signingKeyAad,
  ca_key: caKeyAad,
  ssf_stream: ssfStreamAad,
  totp: totpAad,
  totp_pending: totpAad,
  login_provider: loginProviderAad,
  login_request: loginRequestAad,
  ciba_ping: cibaPingAad,
};

/** A stored value the current master key does not open: the database is sealed under another key. */
export class MasterKeyMismatchError extends Error {
  override readonly name = 'MasterKeyMismatchError';
  constructor(readonly value: Pick<SealedValue, 'column' | 'id'>) {
    super(`the current master key does not open the ${value.column} value of ${value.id}: this database is sealed under another key; nothing was changed`);
  }
}

/**
 * Re-encrypts every value sealed under `current` (signing keys, CA keys, and the few secrets we
 * must read back: SSF receiver headers, TOTP secrets, login-provider client secrets, pending
 * sign-ins, CIBA ping tokens) under `next`, each with its own associated data, in one transaction
 * with a `master_key.rotated` audit record (docs/deploy.md, "Rotating the master key").
 *
 * Every value is opened before anything is written: one that `current` does not open aborts the
 * whole rotation with {@link MasterKeyMismatchError}. Plaintext key material is wiped after use.
 *
 * Does NOT re-key what is derived from the master key rather than sealed under it: refresh tokens
 * (their MAC) issued before the rotation are no longer accepted, and DPoP nonces change.
 * Does NOT coordinate with running nodes: every node must be stopped first.
 */
export async function rotateMasterKey(store: Pick<SealedValueStore, 'resealAll'>, keys: { current: Buffer; next: Buffer }, now: number): Promise<ResealCounts> {
  for (const key of [keys.current, keys.next]) {
    if (!Buffer.isBuffer(key) || key.length !== MASTER_KEY_BYTES) throw new TypeError(`master keys must be exactly ${MASTER_KEY_BYTES} bytes`);
  }
  if (keys.current.equals(keys.next)) throw new TypeError('the new master key is the current one');
  return store.resealAll(
    (value) => {
      const aad = AAD[value.column](value.id);
      let plaintext: Buffer;
      try {
        plaintext = openBox(keys.current, aad, value.sealed);
      } catch (error) {
        if (error instanceof SealedBoxError) throw new MasterKeyMismatchError(value);
        throw error;
      }
      try {
        return sealBox(keys.next, aad, plaintext);
      } finally {
        plaintext.fill(0);
      }
    },
    (counts) => [{ time: now, event: 'master_key.rotated', outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details: { resealed: { ...counts } } }],
    // Nodes compare their key with this check value at start (node-agreement.ts): it moves with the keys.
    { [MASTER_KEY_CHECK_SETTING]: masterKeyCheck(keys.next) },
  );
}
