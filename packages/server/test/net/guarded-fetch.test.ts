import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { classifyAddress, isLoopbackAddress } from '../../src/net/address-policy.js';
import { FetchError, type FetchErrorCode } from '../../src/net/fetch-error.js';
import { createGuardedFetch, maxAge, type GuardedFetchOptions } from '../../src/net/guarded-fetch.js';
import { makeSelfSignedCert, sendJson, startLocalHttps, type LocalHttps, type SelfSignedCert } from './local-https.js';

const JSON_TYPES = ['application/json'];
let cert: SelfSignedCert;
let https: LocalHttps;

beforeAll(async () => {
  cert = makeSelfSignedCert();
  https = await startLocalHttps(cert, (_req, res) => sendJson(res, { keys: [] }));
});
afterAll(async () => {
  await https.close();
  cert.remove();
});

function fetcher(options: GuardedFetchOptions = {}) {
  return createGuardedFetch({ allowPrivateNetworks: true, extraCa: cert.certPem, ...options });
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function refusal(promise: Promise<unknown>): Promise<FetchErrorCode> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchError);
  return (error as FetchError).code;
}

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'private'],
    ['100.64.0.1', 'private'],
    ['::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['::ffff:169.254.169.254', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['0.0.0.0', 'never'],
    ['0.1.2.3', 'never'],
    ['224.0.0.1', 'never'],
    ['255.255.255.255', 'never'],
    ['::', 'never'],
    ['ff02::1', 'never'],
    ['::ffff:0.0.0.0', 'never'],
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (address, verdict) => {
    expect(classifyAddress(address)).toBe(verdict);
  });

  it('knows loopback in every spelling', () => {
    expect(isLoopbackAddress('127.9.9.9')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
  });
});

describe('guarded fetch', () => {
  it('fetches JSON over https from a private address when explicitly allowed, with max-age', async () => {
    https.handle = (_req, res) => sendJson(res, { keys: [1] }, { 'cache-control': 'public, max-age=120' });
    const result = await fetcher()(`${https.url}/jwks`, JSON_TYPES);
    expect(result).toEqual({ body: { keys: [1] }, maxAgeSeconds: 120 });
  });

  it('refuses loopback, private and link-local targets by default, before connecting', async () => {
    const hitsBefore = https.hits.length;
    const strict = fetcher({ allowPrivateNetworks: false });
    expect(await refusal(strict(`${https.url}/jwks`, JSON_TYPES))).toBe('address');
    expect(await refusal(strict(`https://localhost:${https.port}/jwks`, JSON_TYPES))).toBe('address');
    expect(await refusal(strict('https://[::ffff:127.0.0.1]/jwks', JSON_TYPES))).toBe('address');
    expect(await refusal(strict('https://169.254.169.254/latest/meta-data', JSON_TYPES))).toBe('address');
    expect(https.hits.length).toBe(hitsBefore);
  });

  it('refuses a name when any of its addresses is private (DNS answers mixing public and private)', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 as const },
      { address: '10.0.0.5', family: 4 as const },
    ];
    expect(await refusal(createGuardedFetch({ resolve })('https://issuer.example/jwks', JSON_TYPES))).toBe('address');
  });

  it('connects to the vetted address, not to a second DNS answer (no rebinding)', async () => {
    // The resolver vouches for 127.0.0.1 once; a rebinding resolver would answer differently the
    // second time. The socket must never ask again, nor ask the system resolver (which knows no
    // `.invalid` name, RFC 6761 §6.4).
    let calls = 0;
    const resolve = async () => {
      calls += 1;
      return calls === 1 ? [{ address: '127.0.0.1', family: 4 as const }] : [{ address: '10.9.9.9', family: 4 as const }];
    };
    https.handle = (_req, res) => sendJson(res, { ok: true });
    const result = await fetcher({ resolve })(`https://jwks.agentauth.invalid:${https.port}/x`, JSON_TYPES);
    expect(result.body).toEqual({ ok: true });
    expect(calls).toBe(1);
  });

  it('still checks the certificate against the host name', async () => {
    https.handle = (_req, res) => sendJson(res, {});
    const resolve = async () => [{ address: '127.0.0.1', family: 4 as const }];
    expect(await refusal(fetcher({ resolve })(`https://wrong-name.example:${https.port}/x`, JSON_TYPES))).toBe('network');
    // And an untrusted self-signed certificate is refused without the extra CA.
    expect(await refusal(createGuardedFetch({ allowPrivateNetworks: true })(`${https.url}/x`, JSON_TYPES))).toBe('network');
  });

  it('never follows redirects', async () => {
    https.handle = (_req, res) => {
      res.writeHead(302, { location: 'https://169.254.169.254/' });
      res.end();
    };
    expect(await refusal(fetcher()(`${https.url}/jwks`, JSON_TYPES))).toBe('redirect');
  });

  it('refuses oversize bodies, declared or streamed', async () => {
    https.handle = (_req, res) => sendJson(res, { pad: 'x'.repeat(2000) });
    expect(await refusal(fetcher({ maxBytes: 1000 })(`${https.url}/big`, JSON_TYPES))).toBe('too_large');
    https.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no Content-Length
      res.write('{"pad":"');
      res.write('y'.repeat(1500));
      res.end('"}');
    };
    expect(await refusal(fetcher({ maxBytes: 1000 })(`${https.url}/big`, JSON_TYPES))).toBe('too_large');
  });

  it('times out a server that never answers, at its deadline', async () => {
    const arrived = new Promise<void>((resolve) => {
      https.handle = () => resolve(); // and never answers
    });
    // The deadline runs on timers: fake them, and the test moves time instead of waiting for it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let settled = false;
      const refused = refusal(fetcher({ totalTimeoutMs: 200 })(`${https.url}/slow`, JSON_TYPES)).finally(() => (settled = true));
      await arrived;
      await vi.advanceTimersByTimeAsync(199);
      await nextTurn();
      expect(settled, 'still waiting at 199 ms').toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await nextTurn();
      expect(settled, 'refused at 200 ms').toBe(true);
      expect(await refused).toBe('timeout');
    } finally {
      vi.useRealTimers();
    }
  });

  it('checks the media type, the status and the JSON', async () => {
    https.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>');
    };
    expect(await refusal(fetcher()(`${https.url}/x`, JSON_TYPES))).toBe('content_type');
    https.handle = (_req, res) => sendJson(res, {}, {}, 500);
    expect(await refusal(fetcher()(`${https.url}/x`, JSON_TYPES))).toBe('status');
    https.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{not json');
    };
    expect(await refusal(fetcher()(`${https.url}/x`, JSON_TYPES))).toBe('malformed');
  });

  it('allows plain http only to loopback and only with private networks allowed', async () => {
    const server = createHttpServer((_req, res) => sendJson(res, { plain: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    try {
      expect((await fetcher()(url, JSON_TYPES)).body).toEqual({ plain: true });
      expect(await refusal(fetcher({ allowPrivateNetworks: false })(url, JSON_TYPES))).toBe('address');
      const publicName = async () => [{ address: '93.184.216.34', family: 4 as const }];
      expect(await refusal(fetcher({ resolve: publicName })('http://issuer.example/jwks', JSON_TYPES))).toBe('scheme');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses URLs with credentials, fragments or other schemes', async () => {
    const f = fetcher();
    expect(await refusal(f(`https://user:pw@127.0.0.1:${https.port}/`, JSON_TYPES))).toBe('url');
    expect(await refusal(f(`${https.url}/jwks#x`, JSON_TYPES))).toBe('url');
    expect(await refusal(f('file:///etc/passwd', JSON_TYPES))).toBe('scheme');
  });

  it('reads Cache-Control', () => {
    expect(maxAge('max-age=300, must-revalidate')).toBe(300);
    expect(maxAge('no-store')).toBe(0);
    expect(maxAge('private')).toBeUndefined();
    expect(maxAge(undefined)).toBeUndefined();
  });
});
