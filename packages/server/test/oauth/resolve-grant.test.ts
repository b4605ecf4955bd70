import { describe, expect, it } from 'vitest';
import { resolveGrant } from '../../src/oauth/grants/resolve-grant.js';
import { OAuthError } from '../../src/oauth/oauth-error.js';
import type { AgentRecord } from '../../src/store/records.js';

const issuer = 'https://as.example';
const agent = (overrides: Partial<AgentRecord> = {}): AgentRecord => ({
  id: 'agt_1',
  name: 'bot',
  owner: 'team',
  description: '',
  status: 'active',
  scopes: ['orders:read', 'orders:write'],
  resources: ['https://api.example'],
  grantTypes: ['client_credentials'],
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
  ...overrides,
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof OAuthError ? error.code : 'not an OAuthError';
  }
}

describe('resolveGrant', () => {
  it('defaults the audience to the only allowed resource and the scopes to the allowed ones', () => {
    expect(resolveGrant(agent(), issuer, [], undefined)).toEqual({ audience: ['https://api.example'], scopes: ['orders:read', 'orders:write'], forServer: false });
  });

  it('is invalid_target without resource when several resources are allowed', () => {
    expect(code(() => resolveGrant(agent({ resources: ['https://a.example', 'https://b.example'] }), issuer, [], undefined))).toBe('invalid_target');
  });

  it('never down-scopes silently: one scope too many is invalid_scope', () => {
    expect(code(() => resolveGrant(agent(), issuer, [], 'orders:read admin'))).toBe('invalid_scope');
    expect(resolveGrant(agent(), issuer, [], 'orders:read').scopes).toEqual(['orders:read']);
  });

  it('refuses a resource that is not allowed, relative, or has a fragment', () => {
    expect(code(() => resolveGrant(agent(), issuer, ['https://other.example'], undefined))).toBe('invalid_target');
    expect(code(() => resolveGrant(agent(), issuer, ['/relative'], undefined))).toBe('invalid_target');
    expect(code(() => resolveGrant(agent({ resources: ['https://api.example#x'] }), issuer, ['https://api.example#x'], undefined))).toBe('invalid_target');
  });

  it('lets an agent with a privileged scope name the issuer, and only privileged scopes there', () => {
    const admin = agent({ scopes: ['agentauth:introspect', 'orders:read'] });
    expect(resolveGrant(admin, issuer, [issuer], undefined)).toEqual({ audience: [issuer], scopes: ['agentauth:introspect'], forServer: true });
    expect(code(() => resolveGrant(admin, issuer, [issuer], 'orders:read'))).toBe('invalid_scope');
    expect(code(() => resolveGrant(admin, issuer, ['https://api.example'], 'agentauth:introspect'))).toBe('invalid_scope');
    expect(code(() => resolveGrant(admin, issuer, [issuer, 'https://api.example'], undefined))).toBe('invalid_target');
  });

  it('refuses the issuer audience to an agent without privileged scopes', () => {
    expect(code(() => resolveGrant(agent(), issuer, [issuer], undefined))).toBe('invalid_target');
  });

  it('refuses a malformed scope string', () => {
    expect(code(() => resolveGrant(agent(), issuer, [], 'orders:read  orders:write'))).toBe('invalid_scope');
    expect(code(() => resolveGrant(agent(), issuer, [], 'bad"scope'))).toBe('invalid_scope');
  });
});
