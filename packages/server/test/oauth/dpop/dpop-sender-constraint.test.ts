import { describe, expect, it } from 'vitest';
import { DEFAULT_DPOP_ALGORITHMS } from '@agentauth/resource-server';
import type { TokenRequestContext } from '../../../src/oauth/grants/grant-handler.js';
import { OAuthError } from '../../../src/oauth/oauth-error.js';
import { ReplayCache } from '../../../src/oauth/replay-cache.js';
import { inProcessReplayGuard } from '../../../src/oauth/dpop/dpop-replay-guard.js';
import { dpopSenderConstraint } from '../../../src/oauth/dpop/dpop-sender-constraint.js';
import { dpopKey, dpopProof, TOKEN_URL } from './dpop-support.js';

const NOW = 1_800_000_000_000;

/** The parts of a token request the DPoP step reads. */
function context(proof: string): TokenRequestContext {
  return {
    request: { body: '', authorization: undefined, sourceIp: null, requestId: 'r1', headerValues: (name: string) => (name === 'dpop' ? [proof] : []) },
    client: { client: { agent: { dpopBoundAccessTokens: false } } },
    now: NOW,
  } as unknown as TokenRequestContext;
}

describe('dpopSenderConstraint and the record of used proofs', () => {
  it('where the process is the authority: no durable claim, and a full record refuses with 503 rather than forget a proof', async () => {
    const key = await dpopKey('ES256');
    const cache = new ReplayCache({ maxEntries: 1, whenFull: 'refuse' });
    const check = dpopSenderConstraint({ tokenEndpoint: TOKEN_URL, algorithms: DEFAULT_DPOP_ALGORITHMS, replay: inProcessReplayGuard(cache), durableClaims: false });

    const first = await check(context(await dpopProof(key, 'POST', TOKEN_URL, NOW)));
    expect(first.tokenType).toBe('DPoP');
    expect(first.replayClaims).toEqual([]);

    const refused = await check(context(await dpopProof(key, 'POST', TOKEN_URL, NOW))).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OAuthError);
    expect(refused).toMatchObject({ code: 'temporarily_unavailable', status: 503, headers: { 'retry-after': '1' } });
    expect(cache.size).toBe(1);
  });

  it('where the database is the authority: the proof is claimed with the token', async () => {
    const key = await dpopKey('ES256');
    const check = dpopSenderConstraint({ tokenEndpoint: TOKEN_URL, algorithms: DEFAULT_DPOP_ALGORITHMS, replay: inProcessReplayGuard(new ReplayCache()), durableClaims: true });
    const constraint = await check(context(await dpopProof(key, 'POST', TOKEN_URL, NOW)));
    expect(constraint.replayClaims).toEqual([{ key: expect.stringMatching(/^dpop:[A-Za-z0-9_-]{43}:/), expiresAt: Math.floor(NOW / 1000) * 1000 + 90_000 }]);
  });
});
