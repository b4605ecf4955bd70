import { dpopTargetUri } from '@agentauth/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, DpopProofError, RevocationState, VerificationError, verifyDpopProof, type ResourceServer } from '../src/index.js';
import { dpopKeyPair, dpopProof, mintWithServerKey, startRealServer, type DpopKeyPair, type RealServer } from './support/real-server.js';

/**
 * The DPoP `htu` claim and the request URL it is compared with (RFC 9449 §4.3 check 9, RFC 3986
 * §6.2.2-6.2.3), with fast-check, at the SDK's exported doors: `verifyDpopProof` for the comparison,
 * the agent SDK's `dpopTargetUri` for what a real client puts in `htu`, and `verifyRequest` (what
 * every adapter calls) for hostile request URLs and headers. Properties: an `htu` that names the same resource
 * in another spelling is accepted and one that names another resource is refused; a proof made by
 * the agent SDK for a URL is accepted for that URL; no request URL or header, however hostile, earns
 * anything but a `VerificationError` (an adapter answers anything else with a 500).
 */

const ORIGIN = 'https://api.example.com';
const UNRESERVED_SEGMENT = fc.stringMatching(/^[a-z0-9._~-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
const QUERY_OR_FRAGMENT = fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/?]{0,20}$/);

/** One respelling of `url` and whether it names the same target (RFC 3986 §6.2.2, §6.2.3, query and fragment ignored). */
type Variant = { htu: string; same: boolean; how: string };

function variants(segments: readonly string[]): fc.Arbitrary<Variant> {
  const path = `/${segments.join('/')}`;
  const at = fc.nat({ max: Math.max(0, path.length - 1) });
  const encodeOne = (s: string, i: number) => s.slice(0, i) + `%${(s.charCodeAt(i) as number).toString(16).toUpperCase().padStart(2, '0')}` + s.slice(i + 1);
  return fc.oneof(
    // The same target:
    fc.constant({ htu: `HTTPS://API.example.COM${path}`, same: true, how: 'case of scheme and host' }),
    fc.constant({ htu: `${ORIGIN}:443${path}`, same: true, how: 'default port' }),
    fc.tuple(QUERY_OR_FRAGMENT, QUERY_OR_FRAGMENT).map(([q, f]) => ({ htu: `${ORIGIN}${path}?${q}#${f}`, same: true, how: 'query and fragment' })),
    at.filter((i) => path[i] !== '/').map((i) => ({ htu: ORIGIN + encodeOne(path, i), same: true, how: 'an unreserved character percent-encoded' })),
    at.filter((i) => path[i] !== '/').map((i) => ({ htu: ORIGIN + encodeOne(path, i).replace(/%[0-9A-F]{2}/, (m) => m.toLowerCase()), same: true, how: 'lower-case percent-encoding' })),
    fc.constant({ htu: `${ORIGIN}/x/..${path}`, same: true, how: 'dot segments' }),
    fc.constant({ htu: `${ORIGIN}/.${path}`, same: true, how: 'a single-dot segment' }),
    // Another target, or no URI at all:
    fc.constantFrom('http://api.example.com', 'https://api.example.com:8443', 'https://api.example.org', 'https://api.example.com.evil.example', 'https://u@api.example.com', 'https://u:p@api.example.com').map((origin) => ({
      htu: origin + path,
      same: false,
      how: 'another origin, or user information',
    })),
    fc.constantFrom('/', '%2F', '%2f', '%20', ' ', '|', '^', '\\', '"', '<', '{', '\u00e9', '\t', '\u0000', 'A', '%00', '%').chain((char) =>
      fc.nat({ max: path.length }).map((i) => ({ htu: ORIGIN + path.slice(0, i) + char + path.slice(i), same: false, how: `inserted ${JSON.stringify(char)}` })),
    ),
    at.map((i) => ({ htu: ORIGIN + path.slice(0, i) + path.slice(i + 1), same: false, how: 'a character deleted' })),
    fc.constant({ htu: `${ORIGIN}${path}/`, same: false, how: 'a trailing slash' }),
    fc.constant({ htu: `${ORIGIN}${path.toUpperCase()}`, same: path.toUpperCase() === path, how: 'case of the path' }),
    fc.constantFrom('', 'api.example.com/x', '//api.example.com/x', 'ftp://api.example.com/x', 'javascript:alert(1)', `${ORIGIN}${path}`.repeat(200)).map((htu) => ({ htu, same: false, how: 'not an absolute http(s) URI' })),
  );
}

describe('DPoP htu (RFC 9449 §4.3 check 9) at verifyDpopProof (fast-check)', () => {
  let key: DpopKeyPair;
  beforeAll(async () => {
    key = await dpopKeyPair();
  });

  async function accepted(htu: string, url: string): Promise<boolean> {
    try {
      await verifyDpopProof(await dpopProof(key, { method: 'GET', url: htu }), { method: 'GET', url, algorithms: ['ES256'], now: Date.now() });
      return true;
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error;
      expect(error.code).toBe('invalid_dpop_proof');
      return false;
    }
  }

  it('another spelling of the request URL is accepted; another target is refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(UNRESERVED_SEGMENT, { minLength: 1, maxLength: 4 }).chain((segments) => fc.tuple(fc.constant(segments), variants(segments))),
        async ([segments, variant]) => {
          const url = `${ORIGIN}/${segments.join('/')}`;
          expect(await accepted(variant.htu, url), `${variant.how}: ${variant.htu} for ${url}`).toBe(variant.same);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("the agent SDK's htu (dpopTargetUri) for any web URL the verifier can take is accepted for that URL", async () => {
    await fc.assert(
      fc.asyncProperty(fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true, withFragments: true }), async (url) => {
        const takes = (() => {
          try {
            return verifyDpopProof('x', { method: 'GET', url, algorithms: ['ES256'], now: 0 }).catch(() => true);
          } catch {
            return false;
          }
        })();
        fc.pre((await takes) === true);
        expect(await accepted(dpopTargetUri(url), url), url).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile request URLs and headers at verifyRequest (fast-check, real server)', () => {
  const RESOURCE = ORIGIN;
  let server: RealServer;
  let rs: ResourceServer;
  let key: DpopKeyPair;
  let token: string;
  /** Stands for the real DPoP-bound token in generated headers. */
  const REAL_TOKEN = '<the real token>';

  beforeAll(async () => {
    server = await startRealServer();
    rs = createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: new RevocationState() });
    key = await dpopKeyPair();
    token = await mintWithServerKey(server, { aud: RESOURCE, cnf: { jkt: key.jkt } });
    const url = `${RESOURCE}/orders`;
    // Keys fetched once, so the runs below measure verification, not the network.
    await rs.verifyRequest(new Request(url, { headers: { authorization: `DPoP ${token}`, dpop: await dpopProof(key, { method: 'GET', url, accessToken: token }) } }));
  });
  afterAll(async () => {
    await server.close();
  });

  it('a request to any path, with the proof the agent SDK would make for it, is accepted or refused with a VerificationError', async () => {
    const pathChar = fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@/%|^{}"<>`[]\\ \u00e9\u2028');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: pathChar, minLength: 1, maxLength: 16 }), async (suffix) => {
        let url: string;
        try {
          url = new Request(`${RESOURCE}/orders/${suffix}`).url;
        } catch {
          return fc.pre(false);
        }
        const proof = await dpopProof(key, { method: 'GET', url: dpopTargetUri(url), accessToken: token });
        try {
          await rs.verifyRequest(new Request(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } }));
        } catch (error) {
          if (!(error instanceof VerificationError)) throw new Error(`${url}: not a VerificationError: ${String(error)}`, { cause: error });
          expect(error.status, url).toBe(401);
          expect(rs.errorResponse(error).status).toBe(401);
        }
      }),
      { numRuns: 200 },
    );
  });
  it('any Authorization and DPoP header values earn a VerificationError (400 or 401), never another exception', async () => {
    const tokenText = fc.oneof(fc.string({ maxLength: 120 }), fc.constant(REAL_TOKEN));
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.tuple(fc.constantFrom('Bearer', 'DPoP', 'bearer', 'dpop', 'Basic', '', 'Bearer  ', 'DPoP\t'), tokenText), { nil: undefined }),
        fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.string({ maxLength: 40 }), { minLength: 2, maxLength: 3 })), { nil: undefined }),
        async (authorization, dpop) => {
          const headers = new Headers();
          try {
            if (authorization !== undefined) headers.append('authorization', `${authorization[0]} ${authorization[1] === REAL_TOKEN ? token : authorization[1]}`);
            for (const value of dpop === undefined ? [] : Array.isArray(dpop) ? dpop : [dpop]) headers.append('dpop', value);
          } catch {
            // Not a header value at all: no HTTP request can carry it.
            return fc.pre(false);
          }
          try {
            await rs.verifyRequest(new Request(`${RESOURCE}/orders`, { headers }));
            throw new Error('accepted');
          } catch (error) {
            if (!(error instanceof VerificationError)) throw new Error(`not a VerificationError: ${String(error)}`, { cause: error });
            expect([400, 401]).toContain(error.status);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
