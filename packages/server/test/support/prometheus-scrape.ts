import { spawnSync } from 'node:child_process';

/**
 * The Prometheus text format read by the Prometheus project's own parser: the official Python
 * client's `text_string_to_metric_families` (Debian `python3-prometheus-client`, installed by
 * .ci/run). It refuses what Prometheus would refuse, so a scrape that parses here is one
 * Prometheus reads. Debian's interpreter is named by path: the package is installed for it.
 */
const PARSER = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": family.name, "type": family.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": repr(s.value) if math.isnan(s.value) or math.isinf(s.value) else s.value}
        for s in family.samples]})
json.dump(out, sys.stdout)
`;
const PYTHON = '/usr/bin/python3';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number | string;
}

/** One metric family: its name as Prometheus reads it (a counter's without `_total`), its type, its samples. */
export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | string;
  samples: Sample[];
}

/** A parsed `/metrics` answer. */
export class Scrape {
  readonly families: readonly MetricFamily[];

  constructor(text: string) {
    const parsed = spawnSync(PYTHON, ['-c', PARSER], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (parsed.status !== 0) throw new Error(`the Prometheus parser refused the scrape: ${parsed.stderr || parsed.error?.message}`);
    this.families = JSON.parse(parsed.stdout) as MetricFamily[];
  }

  /**
   * The family a metric name belongs to, as a PromQL query names it: the family's own name, a
   * counter's `_total`, a histogram's `_bucket`, `_count` or `_sum`. Undefined when not exposed.
   */
  familyOf(metric: string): MetricFamily | undefined {
    return this.families.find((family) => family.name === metric || family.samples.some((sample) => sample.name === metric) || (family.type === 'counter' && `${family.name}_total` === metric) || (family.type === 'histogram' && ['_bucket', '_count', '_sum'].some((suffix) => `${family.name}${suffix}` === metric)));
  }

  /** The family of `metric`, or a failure naming it. */
  family(metric: string): MetricFamily {
    const family = this.familyOf(metric);
    if (family === undefined) throw new Error(`no metric ${metric} in the scrape`);
    return family;
  }

  /** The samples named exactly `metric` (a counter's `_total` included). */
  samples(metric: string): Sample[] {
    return this.family(metric).samples.filter((sample) => sample.name === metric);
  }

  /** The value of sample `metric` with exactly these labels; 0 when there is none. */
  value(metric: string, labels: Record<string, string> = {}): number {
    const sample = this.samples(metric).find((s) => sameLabels(s.labels, labels));
    return sample === undefined ? 0 : Number(sample.value);
  }

  /** A histogram's observation count for exactly these labels; 0 when it has no such series. */
  count(histogram: string, labels: Record<string, string> = {}): number {
    return this.value(`${histogram}_count`, labels);
  }

  /** Every label value of every sample. */
  labelValues(): string[] {
    return this.families.flatMap((family) => family.samples.flatMap((sample) => Object.values(sample.labels)));
  }
}

function sameLabels(actual: Record<string, string>, wanted: Record<string, string>): boolean {
  const keys = Object.keys(actual);
  return keys.length === Object.keys(wanted).length && keys.every((key) => actual[key] === wanted[key]);
}
