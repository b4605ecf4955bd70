import { describe, expect, it } from 'vitest';
import { PolicyDecider } from '../../src/policy/policy-decider.js';
import { policyAddress, policyTime, type PolicyFacts, type PolicyQuery } from '../../src/policy/policy-request.js';
import { CompiledPolicySet } from '../../src/policy/policy-set.js';
import { parsePolicySource } from '../../src/policy/policy-source.js';
import type { AgentRecord } from '../../src/store/records.js';

const ISSUER = 'https://auth.example.com';
const API = 'https://api.example.com';

const AGENT: AgentRecord = {
  id: 'agt_decider',
  name: 'decider',
  owner: 'team-a',
  description: '',
  status: 'active',
  scopes: ['orders:read'],
  resources: [API],
  grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
  tokenEndpointAuthMethod: 'private_key_jwt',
  accessTokenTtl: null,
  labels: {},
  jwksUri: null,
  revokedBefore: null,
  registrationAccessTokenHash: null,
  createdAt: Date.UTC(2026, 0, 1),
  updatedAt: Date.UTC(2026, 0, 1),
  lastSeenAt: null,
  version: 1,
};

function compiled(source: string): CompiledPolicySet {
  const parsed = parsePolicySource(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const set = CompiledPolicySet.compile(1, { policies: parsed.policies.map(({ id, description, text }) => ({ id, description, text })), entities: [] }, { preparse: false });
  if (!set.ok) throw new Error(JSON.stringify(set.problems));
  return set.set;
}

function query(facts: Partial<PolicyFacts> = {}, action: PolicyQuery['action'] = 'exchange_token'): PolicyQuery {
  return {
    action,
    agent: AGENT,
    resources: [API],
    scopes: ['orders:read'],
    facts: { now: Date.UTC(2026, 11, 7, 10), sourceIp: '127.0.0.1', binding: 'none', authMethod: 'private_key_jwt', grantType: '', subject: 'user-1', actors: [], taskId: '', requestedTtl: 300, renewal: false, risk: 'low', ...facts },
  };
}

describe('PolicyDecider', () => {
  const allowList = '@id("allow-list") permit (principal, action, resource);';

  it('no delegation deeper than 2 for a resource: context.delegation_depth counts the actors', () => {
    const set = compiled(`${allowList}
@id("max-depth-2") forbid (principal, action == Action::"exchange_token", resource == Resource::"${API}") when { context.delegation_depth > 2 };`);
    const decider = new PolicyDecider({ current: () => set, issuer: ISSUER, timeZone: 'UTC' });
    expect(decider.decide(query({ actors: ['agt_a', 'agt_b'] })).pairs[0]).toMatchObject({ allowed: true });
    expect(decider.decide(query({ actors: ['agt_a', 'agt_b', 'agt_c'] })).pairs[0]).toMatchObject({ allowed: false, policies: ['max-depth-2'] });
    // Other audiences are not concerned.
    expect(decider.decide({ ...query({ actors: ['agt_a', 'agt_b', 'agt_c'] }), resources: ['https://other.example.com'] }).pairs[0]?.allowed).toBe(true);
  });

  it('reads hour and weekday in the configured time zone', () => {
    const set = compiled(`${allowList}\n@id("paris-hours") forbid (principal, action, resource) unless { context.hour >= 9 && context.hour < 18 };`);
    // 08:30 UTC on a December Monday is 09:30 in Paris (UTC+1): within Paris hours, before UTC ones.
    const at = Date.UTC(2026, 11, 7, 8, 30);
    expect(new PolicyDecider({ current: () => set, issuer: ISSUER, timeZone: 'UTC' }).decide(query({ now: at })).pairs[0]?.allowed).toBe(false);
    expect(new PolicyDecider({ current: () => set, issuer: ISSUER, timeZone: 'Europe/Paris' }).decide(query({ now: at })).pairs[0]?.allowed).toBe(true);
    expect(policyTime(Date.UTC(2026, 11, 6, 23, 30), 'Europe/Paris')).toEqual({ iso: '2026-12-06T23:30:00Z', hour: 0, weekday: 1 });
    expect(policyTime(Date.UTC(2026, 11, 6, 23, 30, 42, 7), 'UTC')).toEqual({ iso: '2026-12-06T23:30:00Z', hour: 23, weekday: 7 });
  });

  it('operations without an audience are decided with the issuer as resource, and without scopes once', () => {
    const set = compiled(`${allowList}\n@id("no-certs-from-outside") forbid (principal, action == Action::"issue_certificate", resource == Resource::"${ISSUER}") unless { context.renewal };`);
    const decider = new PolicyDecider({ current: () => set, issuer: ISSUER, timeZone: 'UTC' });
    const first = decider.decide({ ...query({}, 'issue_certificate'), resources: [], scopes: [] });
    expect(first.pairs).toEqual([{ resource: ISSUER, scope: '', allowed: false, policies: ['no-certs-from-outside'], errors: [] }]);
    expect(decider.decide({ ...query({ renewal: true }, 'issue_certificate'), resources: [], scopes: [] }).pairs[0]?.allowed).toBe(true);
  });

  it('answers a repeated question from its cache, and a new set version is a new question', () => {
    let set = compiled(allowList);
    const decider = new PolicyDecider({ current: () => set, issuer: ISSUER, timeZone: 'UTC' });
    expect(decider.decide(query()).pairs[0]?.allowed).toBe(true);
    const denying = compiled('@id("nothing") permit (principal, action, resource) when { false };');
    // Same version number, different policies: the cache (keyed by version) still answers...
    set = denying;
    expect(decider.decide(query()).pairs[0]?.allowed).toBe(true);
    // ...until it is cleared, as a set change does (policy directory).
    decider.clear();
    expect(decider.decide(query()).pairs[0]?.allowed).toBe(false);
  });

  it('builds requests that conform to the schema (uncached sets check every request against it)', () => {
    // The set in force decides without the schema check (cedar.ts); this one checks, and would
    // answer with an error, not a decision, for a request the schema does not describe.
    const set = compiled(allowList);
    const decider = new PolicyDecider({ current: () => set, issuer: ISSUER, timeZone: 'UTC' });
    for (const action of ['issue_token', 'exchange_token', 'issue_certificate', 'register_agent'] as const) {
      expect(decider.decide({ ...query({ actors: ['agt_a'], taskId: 't-1' }, action), agent: { ...AGENT, labels: { team: 'x' } } }).pairs[0]).toMatchObject({ allowed: true, errors: [] });
    }
  });

  it('keeps time out of the cache key only when no policy can read it', () => {
    expect(compiled(allowList).readsTime).toBe(false);
    expect(compiled(`${allowList}\n@id("h") forbid (principal, action, resource) when { context.hour > 20 };`).readsTime).toBe(true);
  });

  it('reads source addresses as Cedar ip() does, and unknown ones as 0.0.0.0', () => {
    expect(policyAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(policyAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(policyAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(policyAddress(null)).toBe('0.0.0.0');
    expect(policyAddress('not an address')).toBe('0.0.0.0');
  });
});
