import { AgentBaseline, BASELINE_DAYS, learn } from './agent-baseline.js';
import type { Finding, ObservedRecord, Severity } from './anomaly-finding.js';
import { thresholdsFor, type ThresholdSettings, type Thresholds } from './anomaly-thresholds.js';
import { networkOf } from './network-prefix.js';
import type { RateBuckets } from './rate-buckets.js';

/** The RFC 8693 grant type, as the token endpoint audits it. */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** Refusal codes that say an agent asks for what it was not given, or is not who it says. */
const REFUSAL_CODES = ['invalid_scope', 'invalid_target', 'invalid_client'];
/** Agents tracked at most: a baseline is made only for a registered agent, and never more than this many. */
export const MAX_AGENTS = 100_000;

export interface DetectorOptions {
  thresholds: ThresholdSettings;
  /** How long an agent is watched before its anomalies count, ms from its first record. */
  learningPeriodMs: number;
}

/**
 * The detectors (docs/monitoring.md, "Anomalies"): each audit record of an agent updates its
 * baseline, and a record that breaks one of the rules below returns a finding, once the agent is
 * past its learning period. Deterministic: the same records in the same order give the same
 * findings, so the state is rebuilt by replaying the log (`alert: false`).
 *
 * - request_rate: token requests in the hour at least `rateMultiplier` x the EWMA of that hour of
 *   day, or of the mean hour when that one is quieter (medium; `rateHighMultiplier`: high), and at
 *   least `rateMinimum`.
 * - new_network: a token issued to a source /24 (IPv4) or /48 (IPv6) never seen (medium).
 * - new_resource, new_scope: a token for a resource or with a scope never issued before (low).
 * - refusal_spike: `invalid_scope`, `invalid_target` and failed client authentication in one
 *   window, at least `refusalMinimum` and `refusalMultiplier` x usual (high).
 * - delegation_surge: token exchanges in the hour at least `delegationMinimum` and
 *   `delegationMultiplier` x usual, or an `act` chain deeper than any seen (high).
 * - off_hours: a token issued in an hour of day the agent was never active in (low).
 * - certificate_churn: certificates issued in the day at least `certificateMinimum` and
 *   `certificateMultiplier` x usual (medium).
 */
export class AnomalyDetectors {
  readonly #options: DetectorOptions;
  readonly #baselines = new Map<string, AgentBaseline>();

  constructor(options: DetectorOptions) {
    this.#options = options;
  }

  /** How many agents have a baseline. */
  get agents(): number {
    return this.#baselines.size;
  }

  /** Forgets an agent (deleted). */
  forget(agentId: string): void {
    this.#baselines.delete(agentId);
  }

  /**
   * Learns from one record of a registered agent with these labels (the caller never passes an
   * unknown id: a refused client id names no baseline); returns what it found (nothing when
   * `alert` is false: a replay).
   */
  observe(record: ObservedRecord, labels: Readonly<Record<string, string>>, alert = true): Finding[] {
    if (record.agentId === null) return [];
    const thresholds = thresholdsFor(this.#options.thresholds, labels);
    let baseline = this.#baselines.get(record.agentId);
    if (baseline === undefined) {
      if (this.#baselines.size >= MAX_AGENTS) return [];
      baseline = new AgentBaseline(record.time, thresholds);
      this.#baselines.set(record.agentId, baseline);
    }
    const findings: Finding[] = [];
    const learning = !alert || record.time < baseline.firstSeen + this.#options.learningPeriodMs;
    const found = (detector: Finding['detector'], severity: Severity, evidence: string, details: Record<string, unknown>) => {
      if (!learning) findings.push({ agentId: record.agentId as string, detector, severity, evidence, details, time: record.time });
    };
    const issued = record.event === 'access_token.issued' && record.outcome === 'success';
    if (issued || record.event === 'access_token.denied' || record.event === 'client_authentication.failed') observeRequest(baseline, thresholds, record, found);
    if (issued) observeIssued(baseline, thresholds, record, found);
    if (isRefusal(record)) observeRefusal(baseline, thresholds, record, found);
    if (record.event === 'certificate.issued' && record.outcome === 'success') observeCertificate(baseline, thresholds, record, found);
    return findings;
  }
}

type Found = (detector: Finding['detector'], severity: Severity, evidence: string, details: Record<string, unknown>) => void;

function observeRequest(b: AgentBaseline, t: Thresholds, record: ObservedRecord, found: Found): void {
  b.requests.add(record.time);
  const { count } = b.requests;
  // A quiet hour is compared with the agent's mean hour over the day, so a little work late is
  // no rate anomaly (off_hours notes it), while a surge at night still is.
  const ofHour = b.requests.usual();
  const overDay = b.requests.usualOverAll();
  const usual = Math.max(ofHour, overDay);
  const severity: Severity | undefined = count < t.rateMinimum ? undefined : count >= t.rateHighMultiplier * usual ? 'high' : count >= t.rateMultiplier * usual ? 'medium' : undefined;
  if (severity === undefined || !raise(b.requests, severity)) return;
  const hour = new Date(b.requests.start).getUTCHours();
  const span = `${pad(hour)}:00-${pad((hour + 1) % 24)}:00 UTC`;
  const ratio = usual === 0 ? undefined : Math.round(count / usual);
  const evidence =
    ratio === undefined
      ? `${count} token requests in ${span}; it made none over the last ${BASELINE_DAYS} days`
      : ofHour >= overDay
        ? `${ratio}x its usual rate for ${span} over the last ${BASELINE_DAYS} days (${count} token requests, usually ${round(usual)})`
        : `${ratio}x its usual hourly rate over the last ${BASELINE_DAYS} days in ${span}, an hour it is usually quieter in (${count} token requests, usually ${round(usual)} an hour)`;
  found('request_rate', severity, evidence, { count, usual: round(usual), usual_for_hour: round(ofHour), hour_utc: hour, ...(ratio === undefined ? {} : { ratio }) });
}

function observeIssued(b: AgentBaseline, t: Thresholds, record: ObservedRecord, found: Found): void {
  const details = record.details;
  const network = networkOf(record.sourceIp);
  if (network !== undefined && learn(b.networks, network) && t.newNetwork) {
    found('new_network', 'medium', `token issued to ${record.sourceIp} in ${network}, a network it never used before (${b.networks.size - 1} known)`, { network, source_ip: record.sourceIp });
  }
  for (const resource of stringsOf(details['aud'])) {
    if (learn(b.resources, resource) && t.newResource) found('new_resource', 'low', `first token for resource ${resource}`, { resource });
  }
  for (const scope of typeof details['scope'] === 'string' ? details['scope'].split(' ').filter((s) => s !== '') : []) {
    if (learn(b.scopes, scope) && t.newResource) found('new_scope', 'low', `first token with scope ${scope}`, { scope });
  }
  const hour = new Date(record.time).getUTCHours();
  if (!b.activeHours.has(hour)) {
    b.activeHours.add(hour);
    if (t.offHours) found('off_hours', 'low', `token issued at ${pad(hour)}:00-${pad((hour + 1) % 24)}:00 UTC, outside the hours it has been active in`, { hour_utc: hour, usual_hours: [...b.activeHours].filter((h) => h !== hour).sort((x, y) => x - y) });
  }
  if (details['grant_type'] === TOKEN_EXCHANGE) observeExchange(b, t, record, found);
}

function observeExchange(b: AgentBaseline, t: Thresholds, record: ObservedRecord, found: Found): void {
  const depth = Array.isArray(record.details['act_chain']) ? record.details['act_chain'].length : 0;
  const deepest = b.maxDepth;
  b.maxDepth = Math.max(b.maxDepth, depth);
  if (depth > deepest + t.delegationDepthMargin) found('delegation_surge', 'high', `delegation chain ${depth} deep, deeper than any before (at most ${deepest})`, { depth, usual_max_depth: deepest });
  b.exchanges.add(record.time);
  const { count } = b.exchanges;
  const usual = b.exchanges.usual();
  if (count >= t.delegationMinimum && count >= t.delegationMultiplier * usual && raise(b.exchanges, 'high')) {
    found('delegation_surge', 'high', `${count} token exchanges in one hour, usually ${round(usual)} an hour over the last ${BASELINE_DAYS} days`, { count, usual: round(usual) });
  }
}

function observeRefusal(b: AgentBaseline, t: Thresholds, record: ObservedRecord, found: Found): void {
  b.refusals.add(record.time);
  const { count } = b.refusals;
  const usual = b.refusals.usual();
  if (count >= t.refusalMinimum && count >= t.refusalMultiplier * usual && raise(b.refusals, 'high')) {
    const minutes = Math.round(t.refusalWindowSeconds / 60);
    found('refusal_spike', 'high', `${count} refused requests (invalid_scope, invalid_target, failed client authentication) within ${minutes} minutes, usually ${round(usual)}; the last: ${(record.reason ?? '').split(':')[0] ?? ''}`, {
      count,
      usual: round(usual),
      window_seconds: t.refusalWindowSeconds,
    });
  }
}

function observeCertificate(b: AgentBaseline, t: Thresholds, record: ObservedRecord, found: Found): void {
  b.certificates.add(record.time);
  const { count } = b.certificates;
  const usual = b.certificates.usual();
  if (count >= t.certificateMinimum && count >= t.certificateMultiplier * usual && raise(b.certificates, 'medium')) {
    found('certificate_churn', 'medium', `${count} certificates issued today (UTC), usually ${round(usual)} a day over the last ${BASELINE_DAYS} days`, { count, usual: round(usual) });
  }
}

function isRefusal(record: ObservedRecord): boolean {
  if (record.outcome !== 'failure') return false;
  if (record.event === 'client_authentication.failed') return true;
  return record.event === 'access_token.denied' && REFUSAL_CODES.some((code) => record.reason?.startsWith(code) === true);
}

/** Whether a bucket may raise `severity` now: each severity at most once per bucket, and only upwards. */
function raise(bucket: RateBuckets, severity: Severity): boolean {
  const rank = severity === 'low' ? 1 : severity === 'medium' ? 2 : 3;
  if (rank <= bucket.flagged) return false;
  bucket.flagged = rank;
  return true;
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const pad = (n: number) => String(n).padStart(2, '0');
const round = (n: number) => Math.round(n * 10) / 10;
