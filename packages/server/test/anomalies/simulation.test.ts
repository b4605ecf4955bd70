import { describe, expect, it } from 'vitest';
import { AnomalyDetectors } from '../../src/anomalies/anomaly-detectors.js';
import type { Finding, ObservedRecord } from '../../src/anomalies/anomaly-finding.js';
import { DEFAULT_THRESHOLDS } from '../../src/anomalies/anomaly-thresholds.js';
import { agentProfiles, certificate, denied, exchanged, issued, normalTraffic, seeded } from './traffic-generator.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2026-11-02 00:00 UTC. */
const START = Date.UTC(2026, 10, 2);
/** The false alarms docs/monitoring.md ("Simulation") states for this seed; raising it is a decision, not a fix. */
const DOCUMENTED_FALSE_ALARMS = 3;

/**
 * The simulation of docs/monitoring.md: 50 agents, a week of learning, a normal week that is
 * watched, then a day with three injected misbehaviours among normal traffic. Audit-shaped
 * records are fed to the detectors directly, in time order, on simulated time.
 */
function simulate() {
  const random = seeded(20261207);
  const profiles = agentProfiles(random);
  const detectors = new AnomalyDetectors({ thresholds: { global: DEFAULT_THRESHOLDS, labels: [] }, learningPeriodMs: 7 * DAY });
  const findings: Finding[] = [];
  const feed = (records: readonly ObservedRecord[]) => {
    for (const record of records) findings.push(...detectors.observe(record, {}));
  };
  feed(normalTraffic(random, profiles, START, 14));
  const normalWeek = findings.splice(0);

  // Day 15: normal traffic, and three agents misbehave.
  const day = START + 14 * DAY;
  const injected: ObservedRecord[] = [];
  // A stolen key: agent-01's key used from a network it never used, at 20x its rate, 14:00-15:00.
  const stolen = profiles[1];
  const stolenCalls = 20 * (stolen?.rate ?? 0);
  for (let n = 0; n < stolenCalls; n += 1) injected.push(issued('agent-01', day + 14 * HOUR + Math.floor((n * HOUR) / stolenCalls), '203.0.113.50', 'https://api1.example.com', 'read'));
  // A scope-probing agent: 40 requests for scopes and resources it was never given, in ten minutes.
  for (let n = 0; n < 40; n += 1) injected.push(denied('agent-02', day + 10 * HOUR + n * 15_000, '10.2.0.10', n % 2 === 0 ? `invalid_scope: scope admin:${n} not allowed` : 'invalid_target: resource not allowed'));
  // A delegation fan-out: the orchestrator agent-09 makes 100 exchanges in one hour.
  for (let n = 0; n < 100; n += 1) injected.push(exchanged('agent-09', day + 11 * HOUR + n * 30_000, '10.9.0.10', 2));
  // Certificate churn: agent-06, which renews one certificate a day, gets 15 in an afternoon.
  for (let n = 0; n < 15; n += 1) injected.push(certificate('agent-06', day + 15 * HOUR + n * 60_000));
  feed([...normalTraffic(random, profiles, day, 1), ...injected].sort((a, b) => a.time - b.time));
  return { normalWeek, lastDay: findings };
}

describe('the anomaly simulation (50 agents, seeded)', () => {
  const { normalWeek, lastDay } = simulate();
  const injectedAgents = new Set(['agent-01', 'agent-02', 'agent-06', 'agent-09']);
  const falseAlarms = [...normalWeek, ...lastDay.filter((f) => !injectedAgents.has(f.agentId))];

  it('flags the stolen key: a new network and a high request rate', () => {
    const stolen = lastDay.filter((f) => f.agentId === 'agent-01');
    expect(stolen.find((f) => f.detector === 'new_network')?.evidence).toContain('203.0.113.0/24');
    const rate = stolen.find((f) => f.detector === 'request_rate' && f.severity === 'high');
    expect(rate?.evidence).toMatch(/^\d+x its usual rate for 14:00-15:00 UTC over the last 14 days/);
  });

  it('flags the scope-probing agent', () => {
    expect(lastDay.filter((f) => f.agentId === 'agent-02' && f.detector === 'refusal_spike').map((f) => f.severity)).toEqual(['high']);
  });

  it('flags the delegation fan-out', () => {
    expect(lastDay.some((f) => f.agentId === 'agent-09' && f.detector === 'delegation_surge' && f.severity === 'high')).toBe(true);
  });

  it('flags the certificate churn', () => {
    expect(lastDay.filter((f) => f.agentId === 'agent-06').map((f) => [f.detector, f.severity])).toEqual([['certificate_churn', 'medium']]);
  });

  it(`raises at most ${DOCUMENTED_FALSE_ALARMS} false alarms over the normal week and the normal agents of the last day, all low`, () => {
    expect(falseAlarms.filter((f) => f.severity !== 'low')).toEqual([]);
    expect(falseAlarms.length).toBeLessThanOrEqual(DOCUMENTED_FALSE_ALARMS);
  });

  it('is deterministic: the same seed gives the same findings', () => {
    const again = simulate();
    expect(again.lastDay).toEqual(lastDay);
    expect(again.normalWeek).toEqual(normalWeek);
  });
});
