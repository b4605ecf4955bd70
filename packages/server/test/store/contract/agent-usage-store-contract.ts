import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, hashRecord, newAgent, prefix } from '../fixtures.js';

const DAY = 86_400_000;

/** The `AgentUsageStore` contract: issuance aggregated per agent over a window of the audit log. */
export function agentUsageStoreContract(stores: () => ContractStores): void {
  describe('AgentUsageStore', () => {
    let store: Store;
    beforeEach(() => {
      ({ store } = stores());
    });

    it('groups each agent’s successful issuance in [from, to) by event, actor, grant type, scope and audience', async () => {
      const p = prefix();
      const [a, b, idle] = [`${p}-a`, `${p}-b`, `${p}-idle`];
      for (const id of [a, b, idle]) await store.createAgent(newAgent(id), [], T0);
      const token = (agentId: string, time: number, scope: string, aud: string[], sourceIp = '192.0.2.1') =>
        audit(agentId, { time, sourceIp, details: { grant_type: 'client_credentials', jti: `${agentId}-${time}`, aud, scope, exp: 0 } });
      const records = [
        token(a, T0 + DAY - 1, 'x', ['https://before.example']), // before the window
        token(a, T0 + DAY, 'x y', ['https://api.example.com']), // the window's first instant
        token(a, T0 + 2 * DAY, 'x y', ['https://api.example.com'], '192.0.2.2'),
        token(a, T0 + 3 * DAY - 1, 'x', ['https://api.example.com']),
        token(a, T0 + 3 * DAY, 'z', ['https://after.example']), // the window's end, excluded
        audit(a, { time: T0 + 2 * DAY, event: 'access_token.denied', outcome: 'failure', details: { grant_type: 'client_credentials' } }),
        audit(a, { time: T0 + 2 * DAY, event: 'certificate.issued', sourceIp: '192.0.2.2', details: { serial: '01', kind: 'agent' } }),
        audit(a, { time: T0 + 2 * DAY + 5, event: 'certificate.issued', actor: 'admin:bootstrap', sourceIp: null, details: { serial: '02', kind: 'agent' } }),
        audit(b, {
          time: T0 + 2 * DAY,
          details: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', jti: 'ex', aud: ['https://api.example.com'], scope: 'x', sub: a },
        }),
        token(idle, T0 + DAY - 10, 'x', ['https://api.example.com']),
      ];
      await store.commitUnits([{ claims: [], audit: records, issuedTokens: [], onReplay: [] }], hashRecord);

      const usage = await store.summarizeAgentUsage([a, b, idle, `${p}-nobody`], { from: T0 + DAY, to: T0 + 3 * DAY });
      expect([...usage.keys()].sort()).toEqual([a, b]);
      const groupsOf = (id: string) =>
        usage
          .get(id)
          ?.groups.map((g) => ({ ...g, audience: g.audience === null ? null : JSON.parse(g.audience) }))
          .sort((x, y) => `${x.event}${x.actor}${x.scope}`.localeCompare(`${y.event}${y.actor}${y.scope}`));
      expect(groupsOf(a)).toEqual([
        { agentId: a, event: 'access_token.issued', actor: `agent:${a}`, grantType: 'client_credentials', scope: 'x', audience: ['https://api.example.com'], count: 1, lastAt: T0 + 3 * DAY - 1 },
        { agentId: a, event: 'access_token.issued', actor: `agent:${a}`, grantType: 'client_credentials', scope: 'x y', audience: ['https://api.example.com'], count: 2, lastAt: T0 + 2 * DAY },
        { agentId: a, event: 'certificate.issued', actor: 'admin:bootstrap', grantType: null, scope: null, audience: null, count: 1, lastAt: T0 + 2 * DAY + 5 },
        { agentId: a, event: 'certificate.issued', actor: `agent:${a}`, grantType: null, scope: null, audience: null, count: 1, lastAt: T0 + 2 * DAY },
      ]);
      expect(usage.get(a)?.sourceAddresses).toBe(2);
      expect(groupsOf(b)).toEqual([
        {
          agentId: b,
          event: 'access_token.issued',
          actor: `agent:${b}`,
          grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
          scope: 'x',
          audience: ['https://api.example.com'],
          count: 1,
          lastAt: T0 + 2 * DAY,
        },
      ]);
    });

    it('finds each agent’s latest issuance before an instant, at any age', async () => {
      const p = prefix();
      const [a, b, never] = [`${p}-a`, `${p}-b`, `${p}-never`];
      for (const id of [a, b, never]) await store.createAgent(newAgent(id), [], T0);
      const records = [
        audit(a, { time: T0 + 5 }),
        audit(a, { time: T0 + 7 }),
        audit(a, { time: T0 + 9 }), // not before the instant
        audit(b, { time: T0 + 3, event: 'certificate.issued', details: { serial: '03' } }),
        audit(b, { time: T0 + 4, event: 'access_token.denied', outcome: 'failure' }),
        audit(never, { time: T0 + 1, event: 'client_authentication.failed', outcome: 'failure' }),
      ];
      await store.commitUnits([{ claims: [], audit: records, issuedTokens: [], onReplay: [] }], hashRecord);
      const last = await store.lastAgentIssuance([a, b, never], T0 + 9);
      expect(Object.fromEntries(last)).toEqual({ [a]: T0 + 7, [b]: T0 + 3 });
    });

    it('answers empty for no agents and refuses more than one page of them', async () => {
      expect((await store.summarizeAgentUsage([], { from: T0, to: T0 + DAY })).size).toBe(0);
      expect((await store.lastAgentIssuance([], T0)).size).toBe(0);
      const many = Array.from({ length: 501 }, (_, i) => `agt-${i}`);
      await expect(store.summarizeAgentUsage(many, { from: T0, to: T0 + DAY })).rejects.toBeInstanceOf(TypeError);
      await expect(store.lastAgentIssuance(many, T0)).rejects.toBeInstanceOf(TypeError);
    });
  });
}
