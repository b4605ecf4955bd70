import { createHash } from 'node:crypto';

import type { AdminClient } from '../admin-client.js';
import type { Finding } from './finding.js';

/** What `--verify` and `--revoke` did, for the summary. */
export interface VerificationSummary {
  /** Distinct managed keys asked about. */
  checked: number;
  live: number;
  revoked: number;
  expired: number;
  unknown: number;
  /** Keys this run revoked. */
  revokedNow: number;
}

/**
 * Asks the server about each distinct managed key among `findings` (`POST /api-keys/lookup`, by
 * the key's SHA-256: the key never leaves this process) and marks every finding of it with its
 * status and key id. With `revoke`, a live key is then revoked through the admin API, which audits
 * it (`api_key.revoked`, actor the admin token's). Vendor findings are left alone: only their own
 * vendor can say whether they are live.
 */
export async function verifyManagedKeys(findings: Finding[], admin: AdminClient, revoke: boolean): Promise<VerificationSummary> {
  const summary: VerificationSummary = { checked: 0, live: 0, revoked: 0, expired: 0, unknown: 0, revokedNow: 0 };
  const byFingerprint = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.kind !== 'managed-key') continue;
    const same = byFingerprint.get(finding.fingerprint);
    if (same === undefined) byFingerprint.set(finding.fingerprint, [finding]);
    else same.push(finding);
  }
  for (const same of byFingerprint.values()) {
    const first = same[0] as Finding;
    const digest = createHash('sha256').update(first.secret, 'utf8').digest('hex');
    const answer = await admin.lookupApiKey(digest);
    summary.checked++;
    let status = answer.status;
    let revokedNow = false;
    if (revoke && status === 'live' && answer.api_key !== undefined) {
      await admin.revokeApiKey(answer.api_key.id);
      status = 'revoked';
      revokedNow = true;
      summary.revokedNow++;
    }
    summary[status]++;
    for (const finding of same) {
      finding.status = status;
      if (answer.api_key !== undefined) finding.keyId = answer.api_key.id;
      if (revokedNow) finding.revoked = true;
    }
  }
  return summary;
}
