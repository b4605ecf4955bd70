import type { Finding } from './finding.js';
import { findingJson } from './scan-report.js';
import type { ScanResult } from './run-scan.js';

/** The SARIF 2.1.0 schema URI (OASIS SARIF v2.1.0, §3.13.3). */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * The scan as a SARIF 2.1.0 log (OASIS SARIF v2.1.0), for code-scanning tools: one run, one rule
 * per detector rule met, one `error` result per finding with its physical location (§3.28) and a
 * `partialFingerprints` entry (§3.27.17) holding the secret's fingerprint, so a tool tracks it
 * across runs. The message names the rule and the redacted secret, never the secret; history
 * findings carry their commit in the result's properties.
 */
export function scanSarif(result: ScanResult, version: string): unknown {
  const rules = [...new Map(result.findings.map((finding) => [finding.rule, finding] as const)).values()];
  const index = new Map(rules.map((finding, at) => [finding.rule, at] as const));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'agentauth scan',
            version,
            rules: rules.map((finding) => ({ id: finding.rule, name: ruleName(finding.rule), shortDescription: { text: ruleText(finding) } })),
          },
        },
        results: result.findings.map((finding) => sarifResult(finding, index.get(finding.rule) ?? 0)),
      },
    ],
  };
}

function sarifResult(finding: Finding, ruleIndex: number): unknown {
  const json = findingJson(finding);
  const where = json.commit === undefined ? '' : ` (history, commit ${json.commit})`;
  return {
    ruleId: json.rule,
    ruleIndex,
    level: 'error',
    message: { text: `${json.description}: ${json.redacted}${where}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(json.path) }, region: { startLine: json.line, startColumn: json.column } } }],
    partialFingerprints: { 'agentauthSecret/v1': json.fingerprint },
    properties: {
      source: json.source,
      ...(json.commit === undefined ? {} : { commit: json.commit }),
      ...(json.status === undefined ? {} : { status: json.status }),
      ...(json.revoked === true ? { revoked: true } : {}),
    },
  };
}

/** A SARIF rule name: PascalCase of the id's words (§3.49.7). */
function ruleName(rule: string): string {
  return rule
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

function ruleText(finding: Finding): string {
  if (finding.kind === 'managed-key') return 'agentauth managed API key (aak_, checksum verified)';
  if (finding.kind === 'entropy') return 'High-entropy value assigned to a secret-sounding name';
  return `Secret found by secretlint rule ${finding.rule.slice('secretlint/'.length)}`;
}
