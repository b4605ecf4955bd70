import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SettingsStore } from './store/ports/settings-store.js';

/** Setting holding the master key's check value (never the key). */
export const MASTER_KEY_CHECK_SETTING = 'master_key_check';
/** Setting holding the issuer the nodes of a shared database answer for. */
export const ISSUER_SETTING = 'issuer';

/** The fixed label the check value is an HMAC of: a new label would make a new, unrelated value. */
const CHECK_LABEL = 'agentauth master key check v1';

/**
 * A node whose configuration disagrees with what the database was set up with: another master key
 * (it could not read the signing keys the others wrote, nor they its own), or another issuer (its
 * tokens would carry an `iss` the others' resource servers refuse, RFC 9068 §4). The message names
 * the setting and the fix, never a key.
 */
export class NodeMismatchError extends Error {
  override readonly name = 'NodeMismatchError';
}

/** What a node must agree on with every other node of its database. */
export interface NodeIdentity {
  masterKey: Buffer;
  issuer: string;
  /**
   * Whether the issuer is compared: true on PostgreSQL, where several nodes share the database.
   * One SQLite server owns its database alone (the data directory's lock), so a new issuer there
   * is a move, not a disagreement.
   */
  shared: boolean;
}

/**
 * The master key's check value: HMAC-SHA256 of a fixed label under the key, base64url. It tells
 * two keys apart and reveals nothing of either (HMAC is a PRF), so it may sit in the database.
 */
export function masterKeyCheck(masterKey: Buffer): string {
  return createHmac('sha256', masterKey).update(CHECK_LABEL).digest('base64url');
}

/**
 * Refuses to start a node that disagrees with what the database records, before it reads or
 * writes anything else. A database that records nothing yet (first start, or one made by an
 * earlier version) passes: {@link recordNodeIdentity} records it once the node has proved its key.
 */
export async function assertNodeAgreement(store: Pick<SettingsStore, 'getSetting'>, node: NodeIdentity): Promise<void> {
  const check = await store.getSetting(MASTER_KEY_CHECK_SETTING);
  if (check !== undefined && !sameText(check, masterKeyCheck(node.masterKey))) {
    throw new NodeMismatchError(
      'this node has a different master key from the one the database was set up with: give every node sharing the database the same AGENTAUTH_MASTER_KEY ' +
        '(a key file in the data directory is per node: configure the key instead)',
    );
  }
  if (!node.shared) return;
  const issuer = await store.getSetting(ISSUER_SETTING);
  if (issuer !== undefined && issuer !== node.issuer) {
    throw new NodeMismatchError(
      `this node's issuer ${node.issuer} differs from ${issuer}, the issuer of the other nodes sharing the database: give every node the same AGENTAUTH_ISSUER ` +
        '(to move every node to a new issuer, stop them all and run `agentauth-server adopt-issuer` with the new one)',
    );
  }
}

/**
 * Records the master key's check value (and, on a shared database, the issuer) where nothing is
 * recorded yet, then compares again: two nodes started together both try, one wins, and the other
 * is refused if it disagrees. Call it only once the signing keys were unsealed, so a node with
 * a wrong key on a database of an earlier version cannot record its key as the right one.
 */
export async function recordNodeIdentity(store: SettingsStore, node: NodeIdentity): Promise<void> {
  await store.insertSettingIfAbsent(MASTER_KEY_CHECK_SETTING, masterKeyCheck(node.masterKey));
  if (node.shared) await store.insertSettingIfAbsent(ISSUER_SETTING, node.issuer);
  await assertNodeAgreement(store, node);
}

/**
 * Makes `issuer` the one the nodes of the shared database must have: the explicit act that moves
 * a deployment to a new issuer (`agentauth-server adopt-issuer`, every node stopped first).
 */
export async function adoptIssuer(store: Pick<SettingsStore, 'putSetting'>, issuer: string): Promise<void> {
  await store.putSetting(ISSUER_SETTING, issuer);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
