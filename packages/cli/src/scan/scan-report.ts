import { sanitize } from '../output.js';
import type { Finding } from './finding.js';
import type { VerificationSummary } from './key-verification.js';
import type { ScanResult } from './run-scan.js';

/** A finding as `--json` and SARIF show it: everything but the secret. */
export interface FindingJson {
  rule: string;
  kind: Finding['kind'];
  description: string;
  path: string;
  line: number;
  column: number;
  source: Finding['source'];
  commit?: string;
  fingerprint: string;
  redacted: string;
  status?: Finding['status'];
  key_id?: string;
  revoked?: boolean;
}

/** The one place a finding becomes printable: the secret is left behind here. */
export function findingJson(finding: Finding): FindingJson {
  return {
    rule: finding.rule,
    kind: finding.kind,
    description: finding.description,
    path: finding.path,
    line: finding.line,
    column: finding.column,
    source: finding.source,
    ...(finding.commit === undefined ? {} : { commit: finding.commit }),
    fingerprint: finding.fingerprint,
    redacted: finding.redacted,
    ...(finding.status === undefined ? {} : { status: finding.status }),
    ...(finding.keyId === undefined ? {} : { key_id: finding.keyId }),
    ...(finding.revoked === true ? { revoked: true } : {}),
  };
}

/** The `--json` document (docs/cli.md, "scan"). */
export function scanJson(result: ScanResult, verification: VerificationSummary | undefined): unknown {
  return {
    findings: result.findings.map(findingJson),
    skipped: result.skipped,
    summary: {
      findings: result.counts.findings,
      allowed: result.allowed,
      files: result.counts.files,
      commits: result.counts.commits,
      blobs: result.counts.blobs,
      skipped: result.counts.skipped,
      lookalikes: result.lookalikes,
      history: result.history,
      truncated: result.truncated,
      ...(verification === undefined ? {} : { verification }),
    },
  };
}

/**
 * The report for people: one line per finding (where, which rule, the redacted secret, what the
 * server said), then what was skipped, then the counts. Paths are escaped of control characters.
 */
export function scanText(result: ScanResult, verification: VerificationSummary | undefined): string {
  const lines: string[] = [];
  for (const finding of result.findings) {
    const where = `${sanitize(finding.path)}:${finding.line}:${finding.column}`;
    const origin = finding.commit === undefined ? 'worktree' : `commit ${finding.commit.slice(0, 12)}`;
    const state = finding.status === undefined ? '' : `  [${finding.status}${finding.revoked === true ? ', revoked by this scan' : ''}${finding.keyId === undefined ? '' : ` ${finding.keyId}`}]`;
    lines.push(`${where}  ${origin}  ${finding.rule}  ${sanitize(finding.redacted)}  fp ${finding.fingerprint}${state}`);
  }
  for (const skipped of result.skipped) {
    const origin = skipped.commit === undefined ? '' : ` (commit ${skipped.commit.slice(0, 12)})`;
    lines.push(`skipped ${sanitize(skipped.path)}${origin}: ${skipped.reason}${skipped.size === undefined ? '' : `, ${skipped.size} bytes`}`);
  }
  const c = result.counts;
  const history = result.history === 'scanned' ? `${c.commits} commits, ${c.blobs} blobs` : result.history === 'off' ? 'history not scanned' : 'not a git repository: history not scanned';
  let summary = `${c.findings} finding${c.findings === 1 ? '' : 's'} (${result.allowed} allowed); ${c.files} files, ${history}; ${c.skipped} skipped`;
  if (result.lookalikes > 0) summary += `; ${result.lookalikes} aak_ look-alike${result.lookalikes === 1 ? '' : 's'} ignored (not whole keys)`;
  if (result.truncated) summary += '; more than listed';
  lines.push(summary);
  if (verification !== undefined) {
    const v = verification;
    lines.push(`managed keys checked with the server: ${v.checked} (${v.live} live, ${v.revoked} revoked, ${v.expired} expired, ${v.unknown} unknown)${v.revokedNow > 0 ? `; ${v.revokedNow} revoked by this scan` : ''}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}
