import { readFileSync } from 'node:fs';

/**
 * The tuning of the detectors (docs/monitoring.md, "Anomalies"). Every number is a plain rule an
 * operator can read back in an anomaly's evidence: a multiple of the agent's own baseline, and a
 * floor below which no count is unusual however small the baseline.
 */
export interface Thresholds {
  /** Requests in an hour at least this multiple of the EWMA for that hour of day: medium. */
  rateMultiplier: number;
  /** ...at least this multiple: high. */
  rateHighMultiplier: number;
  /** Fewer requests than this in an hour are never a rate anomaly. */
  rateMinimum: number;
  /** Refusals (`invalid_scope`, `invalid_target`, failed client authentication) in the window that make a spike. */
  refusalMinimum: number;
  /** ...and at least this multiple of the agent's usual refusals in as long. */
  refusalMultiplier: number;
  /** The refusal window, seconds. */
  refusalWindowSeconds: number;
  /** Token exchanges in an hour that make a fan-out surge, at least... */
  delegationMinimum: number;
  /** ...and this multiple of the usual hourly exchanges. */
  delegationMultiplier: number;
  /** An `act` chain this much deeper than the deepest seen is a depth surge. */
  delegationDepthMargin: number;
  /** Certificates issued in a day that make churn, at least... */
  certificateMinimum: number;
  /** ...and this multiple of the usual daily issuance. */
  certificateMultiplier: number;
  /** Whether a new source network (/24, /48) is an anomaly. */
  newNetwork: boolean;
  /** Whether a new resource or scope is an anomaly. */
  newResource: boolean;
  /** Whether a request in an hour of day the agent has never been active in is an anomaly. */
  offHours: boolean;
}

/** The defaults, tuned on the simulation of docs/monitoring.md. */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  rateMultiplier: 5,
  rateHighMultiplier: 10,
  rateMinimum: 30,
  refusalMinimum: 10,
  refusalMultiplier: 5,
  refusalWindowSeconds: 600,
  delegationMinimum: 20,
  delegationMultiplier: 5,
  delegationDepthMargin: 1,
  certificateMinimum: 10,
  certificateMultiplier: 5,
  newNetwork: true,
  newResource: true,
  offHours: true,
});

/** The global thresholds and overrides by agent label (`key=value`), applied in the file's order. */
export interface ThresholdSettings {
  global: Readonly<Thresholds>;
  labels: readonly { key: string; value: string; overrides: Readonly<Partial<Thresholds>> }[];
}

const NUMBER_BOUNDS: Record<string, [number, number]> = {
  rateMultiplier: [1.5, 1000],
  rateHighMultiplier: [1.5, 1000],
  rateMinimum: [1, 1_000_000],
  refusalMinimum: [1, 1_000_000],
  refusalMultiplier: [1, 1000],
  refusalWindowSeconds: [60, 86_400],
  delegationMinimum: [1, 1_000_000],
  delegationMultiplier: [1, 1000],
  delegationDepthMargin: [0, 10],
  certificateMinimum: [1, 1_000_000],
  certificateMultiplier: [1, 1000],
};
const FLAGS = new Set(['newNetwork', 'newResource', 'offHours']);
const MAX_LABEL_RULES = 100;

/**
 * Reads the thresholds file (`anomalyThresholdsFile`): `{ "global": {...}, "labels": { "env=batch":
 * {...} } }`, every member optional. Strict: an unknown name or a value out of bounds stops the
 * start, every problem reported together.
 */
export function readThresholds(path: string | undefined): ThresholdSettings {
  if (path === undefined) return { global: DEFAULT_THRESHOLDS, labels: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TypeError(`anomalyThresholdsFile ${path}: not readable JSON (${(error as Error).message})`);
  }
  return parseThresholds(raw, `anomalyThresholdsFile ${path}`);
}

/** {@link readThresholds} over a parsed value. */
export function parseThresholds(raw: unknown, where: string): ThresholdSettings {
  const problems: string[] = [];
  if (!isObject(raw)) throw new TypeError(`${where}: must be a JSON object`);
  for (const key of Object.keys(raw)) if (key !== 'global' && key !== 'labels') problems.push(`unknown member ${JSON.stringify(key)}`);
  const global = { ...DEFAULT_THRESHOLDS, ...overridesOf(raw['global'] ?? {}, 'global', problems) };
  const labels: ThresholdSettings['labels'][number][] = [];
  const byLabel = raw['labels'] ?? {};
  if (!isObject(byLabel)) problems.push('labels: must be an object of "key=value" to thresholds');
  else {
    if (Object.keys(byLabel).length > MAX_LABEL_RULES) problems.push(`labels: at most ${MAX_LABEL_RULES} rules`);
    for (const [selector, value] of Object.entries(byLabel)) {
      const match = /^([^=\s]{1,63})=([^=\s]{0,256})$/.exec(selector);
      if (match === null) problems.push(`labels: ${JSON.stringify(selector.slice(0, 80))} is not key=value`);
      else labels.push({ key: match[1] as string, value: match[2] as string, overrides: overridesOf(value, `labels.${selector}`, problems) });
    }
  }
  if (problems.length > 0) throw new TypeError(`${where}: ${problems.join('; ')}`);
  return { global: Object.freeze(global), labels };
}

/** The thresholds for an agent with these labels: the global ones, then each matching label rule. */
export function thresholdsFor(settings: ThresholdSettings, labels: Readonly<Record<string, string>>): Thresholds {
  let result: Thresholds = { ...settings.global };
  for (const rule of settings.labels) if (labels[rule.key] === rule.value) result = { ...result, ...rule.overrides };
  return result;
}

function overridesOf(raw: unknown, where: string, problems: string[]): Partial<Thresholds> {
  if (!isObject(raw)) {
    problems.push(`${where}: must be an object`);
    return {};
  }
  const result: Record<string, number | boolean> = {};
  for (const [key, value] of Object.entries(raw)) {
    const bounds = NUMBER_BOUNDS[key];
    if (bounds !== undefined) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < bounds[0] || value > bounds[1]) problems.push(`${where}.${key}: must be a number from ${bounds[0]} to ${bounds[1]}`);
      else result[key] = value;
    } else if (FLAGS.has(key)) {
      if (typeof value !== 'boolean') problems.push(`${where}.${key}: must be true or false`);
      else result[key] = value;
    } else problems.push(`${where}: unknown member ${JSON.stringify(key.slice(0, 80))}`);
  }
  return result as Partial<Thresholds>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
