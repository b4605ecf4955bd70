import { describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../src/clock.js';
import { RevocationEvents, type RevocationEvent } from '../../../src/events/revocation-events.js';
import { Delegations, type DelegationsDeps } from '../../../src/oauth/delegation/delegations.js';
import { personTokenFault } from '../../../src/oauth/exchange/person-standing.js';
import { OAuthError } from '../../../src/oauth/oauth-error.js';
import type { PersonTokenStanding } from '../../../src/store/ports/delegation-store.js';
import type { AuditInput, RevokedTokenRecord } from '../../../src/store/records.js';

const T0 = Date.UTC(2026, 0, 1);
const USER = 'usr_ada';
const AGENT = 'agt_assistant';

function standing(over: Partial<PersonTokenStanding> = {}): PersonTokenStanding {
  return {
    userStatus: 'active',
    grant: { id: 'agr_1', userId: USER, clientId: 'pub_app', revokedAt: null, createdAt: T0 },
    delegations: [{ userId: USER, agentId: AGENT, revokedAt: null, revokedBefore: null }],
    ...over,
  };
}

describe('the standing of a person\'s token (personTokenFault)', () => {
  const hop = { agentId: AGENT, issuedAtMs: T0 + 1000 };

  it('stands while the person is active, the authorization live and every agent of the chain still acting for them', () => {
    expect(personTokenFault(USER, standing(), [hop])).toEqual({ root: { userId: USER, grantId: 'agr_1', clientId: 'pub_app', grantCreatedAt: T0 } });
    // The person's own token: no agent in its chain.
    expect(personTokenFault(USER, standing({ delegations: [] }), [])).toHaveProperty('root');
  });

  it.each([
    ['a suspended person', standing({ userStatus: 'suspended' }), 'the person is suspended'],
    ['a deleted person', standing({ userStatus: undefined }), 'the person does not exist'],
    ['no authorization', standing({ grant: undefined }), 'no authorization'],
    ['a revoked authorization', standing({ grant: { id: 'agr_1', userId: USER, clientId: 'pub_app', revokedAt: T0 + 5, createdAt: T0 } }), 'the authorization was revoked'],
    ['another person\'s authorization', standing({ grant: { id: 'agr_1', userId: 'usr_other', clientId: 'pub_app', revokedAt: null, createdAt: T0 } }), 'another person'],
    ['an agent with no delegation recorded', standing({ delegations: [] }), 'has no delegation'],
    ['an agent the person revoked', standing({ delegations: [{ userId: USER, agentId: AGENT, revokedAt: T0 + 2000, revokedBefore: T0 + 2000 }] }), 'revoked agent'],
  ])('refuses %s', (_name, given, reason) => {
    const verdict = personTokenFault(USER, given, [hop]);
    expect('fault' in verdict && verdict.fault).toContain(reason);
  });

  it('keeps a token from before a revocation inactive once the person authorizes again, and a later one active', () => {
    const resumed = standing({ delegations: [{ userId: USER, agentId: AGENT, revokedAt: null, revokedBefore: T0 + 2000 }] });
    expect(personTokenFault(USER, resumed, [{ agentId: AGENT, issuedAtMs: T0 + 1999 }])).toEqual({ fault: expect.stringContaining('after this token') });
    expect(personTokenFault(USER, resumed, [{ agentId: AGENT, issuedAtMs: T0 + 2000 }])).toHaveProperty('root');
  });
});

describe('Delegations.recordUse when the person revokes the agent while its token is issued', () => {
  it('revokes the token just issued on the feed and refuses the exchange with invalid_request', async () => {
    const clock = new FrozenClock(T0);
    const events = new RevocationEvents();
    const heard: RevocationEvent[] = [];
    events.subscribe((event) => heard.push(event));
    const revokedTokens: RevokedTokenRecord[] = [];
    const audits: AuditInput[] = [];
    const deps: DelegationsDeps = {
      clock,
      events,
      logger: { warn: () => undefined, error: () => undefined },
      lineage: {
        listChildTokens: async () => [],
        listTokensExchangedBy: async () => [],
        revokeTokens: async (records, audit) => {
          revokedTokens.push(...records);
          audits.push(...(audit?.(records.map((r) => r.jti)) ?? []));
          return records.map((r) => r.jti);
        },
      },
      store: {
        getDelegation: async () => undefined,
        recordDelegationUse: async () => ({ kind: 'revoked' }),
        listDelegations: async () => [],
        revokeDelegation: async () => true,
        listDelegatedTokens: async () => [],
        listAuthorizationGrants: async () => [],
        revokeAuthorizationGrants: async () => [],
      },
    };
    const root = { userId: USER, grantId: 'agr_1', clientId: 'pub_app', grantCreatedAt: T0 - 10 };
    const token = { jti: 'jti-raced', scopes: ['orders:read'], audience: ['https://mcp.example.com'], issuedAt: T0, expiresAt: T0 + 60_000, parentJti: 'jti-person' };
    const refused = await new Delegations(deps).recordUse(root, AGENT, token, { actor: `agent:${AGENT}`, sourceIp: null, requestId: null }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OAuthError);
    expect((refused as OAuthError).code).toBe('invalid_request');
    expect(revokedTokens).toEqual([{ jti: 'jti-raced', agentId: USER, revokedAt: T0, expiresAt: T0 + 60_000 }]);
    expect(audits).toEqual([expect.objectContaining({ event: 'access_token.revoked', reason: 'cascade', details: expect.objectContaining({ jti: 'jti-raced', cause: 'delegation_revoked', user_id: USER, agent_id: AGENT }) })]);
    expect(heard).toEqual([expect.objectContaining({ kind: 'token_revoked', jti: 'jti-raced', reason: 'cascade' })]);
  });
});
