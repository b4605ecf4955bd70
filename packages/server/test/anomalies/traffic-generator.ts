import type { ObservedRecord } from '../../src/anomalies/anomaly-finding.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** mulberry32: a small seeded generator, so every run sees the same week. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson count of mean `mean` (Knuth; means here are small). */
function poisson(random: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k += 1;
    p *= random();
  }
  return k;
}

/** One simulated agent's habits. */
export interface AgentProfile {
  id: string;
  /** Hours of day (UTC) it works in. */
  hours: number[];
  /** Mean token requests per working hour. */
  rate: number;
  addresses: string[];
  resources: string[];
  scopes: string[];
  /** Mean token exchanges per working hour (0: none). */
  exchangeRate: number;
  /** Certificates a day. */
  certificatesPerDay: number;
}

/** 50 agents of four kinds: office hours, around the clock, nightly batches, and delegating orchestrators. */
export function agentProfiles(random: () => number, count = 50): AgentProfile[] {
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 10 < 5 ? 'office' : i % 10 < 8 ? 'always' : i % 10 < 9 ? 'batch' : 'orchestrator';
    const hours = kind === 'office' || kind === 'orchestrator' ? range(8, 18) : kind === 'batch' ? range(1, 5) : range(0, 24);
    const v6 = i % 7 === 0;
    const addresses = Array.from({ length: 1 + (i % 3) }, (_, n) => (v6 ? `2001:db8:${i.toString(16)}:${n}::${n + 10}` : `10.${i}.${n}.${10 + n}`));
    return {
      id: `agent-${String(i).padStart(2, '0')}`,
      hours,
      rate: 3 + Math.floor(random() * 30),
      addresses,
      resources: [`https://api${i % 4}.example.com`, ...(i % 2 === 0 ? ['https://files.example.com'] : [])],
      scopes: ['read', 'write', `team${i % 5}:use`],
      exchangeRate: kind === 'orchestrator' ? 2 + Math.floor(random() * 3) : 0,
      certificatesPerDay: i % 6 === 0 ? 1 : 0,
    };
  });
}

/** The audit records of `days` days of normal work from `start` (midnight UTC), sorted by time. */
export function normalTraffic(random: () => number, profiles: readonly AgentProfile[], start: number, days: number): ObservedRecord[] {
  const records: ObservedRecord[] = [];
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  for (let day = 0; day < days; day += 1) {
    for (const agent of profiles) {
      // Now and then an office agent works one hour late.
      const late = agent.hours.length === 10 && random() < 0.03 ? [18] : [];
      for (const hour of [...agent.hours, ...late]) {
        const base = start + day * DAY + hour * HOUR;
        for (let n = poisson(random, agent.rate); n > 0; n -= 1) {
          const time = base + Math.floor(random() * HOUR);
          // One request in two hundred asks for a scope it lacks: the usual background of refusals.
          // Addresses move within the agent's networks (DHCP, autoscaling), never out of them.
          const address = pick(agent.addresses).replace(/\d+$/, (last) => (last.length <= 3 && !agent.addresses[0]?.includes(':') ? String(10 + Math.floor(random() * 240)) : last));
          if (random() < 0.005) records.push(denied(agent.id, time, address, 'invalid_scope: scope not allowed'));
          else records.push(issued(agent.id, time, address, pick(agent.resources), pick(agent.scopes)));
        }
        for (let n = poisson(random, agent.exchangeRate); n > 0; n -= 1) records.push(exchanged(agent.id, base + Math.floor(random() * HOUR), pick(agent.addresses), 1 + Math.floor(random() * 2)));
      }
      for (let n = 0; n < agent.certificatesPerDay; n += 1) records.push(certificate(agent.id, start + day * DAY + 9 * HOUR + Math.floor(random() * HOUR)));
    }
  }
  return records.sort((a, b) => a.time - b.time);
}

export function issued(agentId: string, time: number, sourceIp: string, resource: string, scope: string): ObservedRecord {
  return { time, event: 'access_token.issued', outcome: 'success', agentId, sourceIp, reason: null, details: { grant_type: 'client_credentials', aud: [resource], scope } };
}

export function denied(agentId: string, time: number, sourceIp: string, reason: string): ObservedRecord {
  return { time, event: 'access_token.denied', outcome: 'failure', agentId, sourceIp, reason, details: { grant_type: 'client_credentials' } };
}

export function exchanged(agentId: string, time: number, sourceIp: string, depth: number): ObservedRecord {
  const chain = Array.from({ length: depth }, (_, i) => `actor-${i}`);
  return { time, event: 'access_token.issued', outcome: 'success', agentId, sourceIp, reason: null, details: { grant_type: EXCHANGE, aud: ['https://api0.example.com'], scope: 'read', act_chain: chain } };
}

export function certificate(agentId: string, time: number): ObservedRecord {
  return { time, event: 'certificate.issued', outcome: 'success', agentId, sourceIp: null, reason: null, details: {} };
}
