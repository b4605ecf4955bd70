import { CAEP_CREDENTIAL_CHANGE, type CaepCredentialType } from '@agentauth/protocol';
import type { CutoverNotice } from '../key-cutover/key-cutover-gate.js';
import { eventTimestamp, type Signal } from './revocation-signal.js';

/**
 * The CAEP 1.0 event of a key cut-over's notice (docs/migration.md, "Cutting keys off"): §3.3
 * `credential-change` about the key's agent (an `iss_sub` subject), `credential_type` `api-key`
 * (mutually agreed, as §3.3.1 allows), `friendly_name` the key's id, and `change_type` `update`
 * when the key entered `warn` (it still works, its end is set) or `revoke` when it entered `block`
 * (refused from now on). `initiating_entity` is `policy` (§2): a rule's date, not a person, acted.
 * Sent once per key per stage change, like the owner's webhook.
 */
export function cutoverSignal(issuer: string, notice: CutoverNotice): Signal {
  const { use, rule, stage } = notice;
  const when = rule.blockFrom === null ? '' : ` from ${new Date(rule.blockFrom).toISOString()}`;
  return {
    eventType: CAEP_CREDENTIAL_CHANGE,
    subject: { format: 'iss_sub', iss: issuer, sub: use.agentId },
    payload: {
      credential_type: 'api-key' satisfies CaepCredentialType,
      change_type: stage === 'block' ? 'revoke' : 'update',
      friendly_name: use.keyId,
      event_timestamp: eventTimestamp(notice.at),
      initiating_entity: 'policy',
      reason_admin: { en: stage === 'block' ? `API key blocked by the key cut-over (${rule.scope} rule ${rule.id})` : `API key deprecated: it will be blocked${when} (${rule.scope} rule ${rule.id})` },
    },
  };
}
