import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scrape } from '../support/prometheus-scrape.js';
import { BOOTSTRAP_TOKEN, startListeningTestServer, type TestServer } from '../support/test-server.js';

const DASHBOARD = new URL('../../../../deploy/grafana/agentauth-dashboard.json', import.meta.url);

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** Every PromQL expression of the dashboard, with its panel's title. */
function expressions(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const walk = (panels: Panel[]): { panel: string; expr: string }[] =>
    panels.flatMap((panel) => [...(panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })), ...walk(panel.panels ?? [])]);
  return walk(dashboard.panels);
}

/** The metric names a PromQL expression selects (ours all start with `agentauth_`). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(agentauth_[a-z0-9_]+)\b/g)].map((match) => match[1] as string);
}

describe('the Grafana dashboard (deploy/grafana/agentauth-dashboard.json)', () => {
  let t: TestServer;
  let scrape: Scrape;

  beforeAll(async () => {
    // PostgreSQL, so that the pool's metrics are exposed too.
    const started = await startListeningTestServer('postgres');
    t = started.t;
    const response = await fetch(`${started.issuer.origin}/metrics`, { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(response.status).toBe(200);
    scrape = new Scrape(await response.text());
  });
  afterAll(async () => t?.close());

  it('has panels for issuance and refusals, latency, commit batches, revocations, CRL age and agents by status', () => {
    const used = new Set(expressions().flatMap(({ expr }) => metricNames(expr)));
    for (const name of [
      'agentauth_tokens_issued_total',
      'agentauth_tokens_refused_total',
      'agentauth_http_request_duration_seconds_bucket',
      'agentauth_commit_batch_size_bucket',
      'agentauth_revocations_total',
      'agentauth_crl_age_seconds',
      'agentauth_agents',
    ]) {
      expect(used, name).toContain(name);
    }
  });

  it('queries only metrics a running server exposes, with the type their suffix needs', () => {
    const missing: string[] = [];
    for (const { panel, expr } of expressions()) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        const family = scrape.familyOf(name);
        if (family === undefined) missing.push(`${panel}: ${name}`);
        else if (/_(bucket|count|sum)$/.test(name) && !name.endsWith('_total')) expect(family.type, `${panel}: ${name}`).toBe('histogram');
        else if (name.endsWith('_total')) expect(family.type, `${panel}: ${name}`).toBe('counter');
      }
    }
    expect(missing).toEqual([]);
  });
});
