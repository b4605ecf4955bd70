import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../src/clock.js';
import { FetchError } from '../../src/net/fetch-error.js';
import { createGuardedFetch } from '../../src/net/guarded-fetch.js';
import { parseJwks, RemoteJwks } from '../../src/net/remote-jwks.js';
import { makeSelfSignedCert, sendJson, startLocalHttps, type LocalHttps, type SelfSignedCert } from './local-https.js';

let cert: SelfSignedCert;
let https: LocalHttps;
let served: { keys: JWK[] };
let headers: Record<string, string>;
let clock: FrozenClock;
let jwks: RemoteJwks;

async function publicJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: 'ES256' };
}

beforeAll(async () => {
  cert = makeSelfSignedCert();
  https = await startLocalHttps(cert, (_req, res) => sendJson(res, served, headers));
});
afterAll(async () => {
  await https.close();
  cert.remove();
});
beforeEach(async () => {
  served = { keys: [await publicJwk('a')] };
  headers = {};
  https.hits.length = 0;
  clock = new FrozenClock();
  jwks = new RemoteJwks({ fetch: createGuardedFetch({ allowPrivateNetworks: true, extraCa: cert.certPem }), clock });
});

const url = () => `${https.url}/jwks`;

describe('RemoteJwks', () => {
  it('fetches once and serves from the cache until the TTL passes', async () => {
    expect((await jwks.keys(url(), 'a')).map((k) => k.kid)).toEqual(['a']);
    await jwks.keys(url(), 'a');
    await jwks.keys(url(), undefined);
    expect(https.hits.length).toBe(1);
    clock.advance(10 * 60_000); // the default TTL without max-age
    await jwks.keys(url(), 'a');
    expect(https.hits.length).toBe(2);
  });

  it('honours max-age within bounds', async () => {
    headers = { 'cache-control': 'max-age=3600' };
    await jwks.keys(url(), 'a');
    clock.advance(3_599_000);
    await jwks.keys(url(), 'a');
    expect(https.hits.length).toBe(1);
    clock.advance(2000);
    await jwks.keys(url(), 'a');
    expect(https.hits.length).toBe(2);

    // max-age=0 cannot make us fetch on every request: the 60 s floor applies.
    headers = { 'cache-control': 'no-store' };
    clock.advance(3_601_000);
    await jwks.keys(url(), 'a');
    clock.advance(30_000);
    await jwks.keys(url(), 'a');
    expect(https.hits.length).toBe(3);
  });

  it('refetches for an unknown kid at most once per cooldown (key rotation, kid floods)', async () => {
    await jwks.keys(url(), 'a');
    clock.advance(31_000);
    served = { keys: [...served.keys, await publicJwk('b')] };
    expect((await jwks.keys(url(), 'b')).map((k) => k.kid)).toEqual(['b']);
    expect(https.hits.length).toBe(2);
    // A flood of unknown kids within the cooldown costs nothing more.
    for (const kid of ['x', 'y', 'z']) expect(await jwks.keys(url(), kid)).toEqual([]);
    expect(https.hits.length).toBe(2);
    clock.advance(30_000);
    expect(await jwks.keys(url(), 'x')).toEqual([]);
    expect(https.hits.length).toBe(3);
  });

  it('shares one fetch between concurrent callers', async () => {
    await Promise.all([jwks.keys(url(), 'a'), jwks.keys(url(), 'a'), jwks.keys(url(), 'a')]);
    expect(https.hits.length).toBe(1);
  });

  it('serves the previous set when a refresh fails, and fails when there is none', async () => {
    await jwks.keys(url(), 'a');
    clock.advance(11 * 60_000);
    const good = https.handle;
    https.handle = (_req, res) => sendJson(res, {}, {}, 503);
    try {
      expect((await jwks.keys(url(), 'a')).map((k) => k.kid)).toEqual(['a']);
      const fresh = new RemoteJwks({ fetch: createGuardedFetch({ allowPrivateNetworks: true, extraCa: cert.certPem }), clock });
      await expect(fresh.keys(url(), 'a')).rejects.toBeInstanceOf(FetchError);
      // The failure is remembered for the cooldown: no second request.
      const hits = https.hits.length;
      await expect(fresh.keys(url(), 'a')).rejects.toBeInstanceOf(FetchError);
      expect(https.hits.length).toBe(hits);
    } finally {
      https.handle = good;
    }
  });

  it('skips private, symmetric and encryption keys', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const keys = parseJwks({
      keys: [
        { ...(await exportJWK(privateKey)), kid: 'private' },
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
        { ...(await publicJwk('enc')), use: 'enc' },
        await publicJwk('good'),
        { kty: 'EC', crv: 'P-256', x: 'bad', y: 'bad', kid: 'broken' },
      ],
    });
    expect(keys.map((k) => k.kid)).toEqual(['good']);
    expect(() => parseJwks({ nokeys: true })).toThrow(FetchError);
  });
});
