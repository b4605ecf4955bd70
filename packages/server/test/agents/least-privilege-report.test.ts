import { describe, expect, it } from 'vitest';
import { reportOf } from '../../src/agents/least-privilege-report.js';
import type { AgentUsageGroup } from '../../src/store/ports/agent-usage-store.js';
import type { AgentRecord } from '../../src/store/records.js';

const ISSUER = 'https://issuer.example';
const API = 'https://api.example.com';
const WINDOW = { from: 1_000, to: 2_000 };
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

const agent: AgentRecord = {
  id: 'agt_a',
  name: 'a',
  owner: 'o',
  description: '',
  status: 'active',
  scopes: ['read', 'write', 'agentauth:cert', 'agentauth:signals'],
  resources: [API, 'https://other.example.com'],
  grantTypes: ['client_credentials', EXCHANGE],
  tokenEndpointAuthMethod: 'private_key_jwt',
  accessTokenTtl: null,
  labels: {},
  jwksUri: null,
  revokedBefore: null,
  registrationAccessTokenHash: null,
  createdAt: 0,
  updatedAt: 0,
  lastSeenAt: null,
  version: 1,
};

const group = (over: Partial<AgentUsageGroup>): AgentUsageGroup => ({
  agentId: agent.id,
  event: 'access_token.issued',
  actor: `agent:${agent.id}`,
  grantType: 'client_credentials',
  scope: 'read',
  audience: JSON.stringify([API]),
  count: 1,
  lastAt: 1_500,
  ...over,
});

describe('a least-privilege report from usage groups', () => {
  it('suggests only what is both granted and used, even when a token carried a scope no longer granted', () => {
    const report = reportOf(agent, { groups: [group({ scope: 'read retired', grantType: EXCHANGE, count: 3 })], sourceAddresses: 1 }, undefined, WINDOW, ISSUER);
    expect(report.used).toEqual({ scopes: ['read', 'retired'], resources: [API], grantTypes: [EXCHANGE], tokens: 3, certificates: 0, sourceAddresses: 1 });
    expect(report.suggested).toEqual({ scopes: ['read'], resources: [API], grantTypes: [EXCHANGE] });
    expect(report.unused).toEqual({ scopes: ['write', 'agentauth:cert', 'agentauth:signals'], resources: ['https://other.example.com'], grantTypes: ['client_credentials'] });
    expect(report.unusedPrivilegedScopes).toEqual(['agentauth:cert', 'agentauth:signals']);
  });

  it('counts agentauth:cert as used by a certificate the agent asked for itself, not by one an administrator made', () => {
    const byAdmin = reportOf(agent, { groups: [group({ event: 'certificate.issued', actor: 'admin:bootstrap', scope: null, audience: null, grantType: null })], sourceAddresses: 0 }, undefined, WINDOW, ISSUER);
    expect(byAdmin.used).toMatchObject({ scopes: [], certificates: 1, tokens: 0 });
    expect(byAdmin.stale).toBe(false);
    const own = reportOf(agent, { groups: [group({ event: 'certificate.issued', scope: null, audience: null, grantType: null })], sourceAddresses: 0 }, undefined, WINDOW, ISSUER);
    expect(own.suggested.scopes).toEqual(['agentauth:cert']);
  });

  it('leaves the issuer audience of privileged tokens out of the resources, and ignores an audience it cannot read', () => {
    const report = reportOf(
      agent,
      { groups: [group({ scope: 'agentauth:signals', audience: JSON.stringify([ISSUER]) }), group({ scope: 'read', audience: '{not json' })], sourceAddresses: 1 },
      undefined,
      WINDOW,
      ISSUER,
    );
    expect(report.used.resources).toEqual([]);
    expect(report.suggested.scopes).toEqual(['read', 'agentauth:signals']);
  });

  it('is stale without use in the window only when registered before it, and says when it was last seen', () => {
    expect(reportOf(agent, undefined, 400, WINDOW, ISSUER)).toMatchObject({ stale: true, lastSeenAt: 400 });
    expect(reportOf({ ...agent, createdAt: WINDOW.from }, undefined, undefined, WINDOW, ISSUER)).toMatchObject({ stale: false, lastSeenAt: null });
    expect(reportOf({ ...agent, createdAt: WINDOW.from - 1 }, undefined, undefined, WINDOW, ISSUER)).toMatchObject({ stale: true, lastSeenAt: null });
    expect(reportOf(agent, { groups: [group({ lastAt: 1_200 }), group({ scope: 'write', lastAt: 1_700 })], sourceAddresses: 1 }, undefined, WINDOW, ISSUER).lastSeenAt).toBe(1_700);
  });
});
