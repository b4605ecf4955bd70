import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, RevocationState, VerificationError, type ResourceServer } from '../src/index.js';
import { createAgent, dpopKeyPair, dpopProof, issueToken, mintWithServerKey, startRealServer, type DpopKeyPair, type RealServer } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';
const URL_ORDERS = `${RESOURCE}/orders`;

let server: RealServer;
let rs: ResourceServer;
let bearerToken: string;
let key: DpopKeyPair;

beforeAll(async () => {
  server = await startRealServer();
  const agent = await createAgent(server.server, { resources: [RESOURCE] });
  rs = createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: new RevocationState() });
  bearerToken = await issueToken(server, agent, { resource: RESOURCE, scope: 'orders:read' });
  key = await dpopKeyPair();
  // Keys are fetched once, so the property runs measure verification, not the network.
  await rs.verifyRequest(new Request(URL_ORDERS, { headers: { authorization: `Bearer ${bearerToken}` } }));
});
afterAll(async () => {
  await server.close();
});

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** One edit of a string: a character replaced, inserted or deleted (the result always differs). */
const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat({ max: length - 1 }), char: fc.constantFrom(...BASE64URL, '.', '=', ' ', '~') }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: length }), char: fc.constantFrom(...BASE64URL, '.') }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat({ max: length - 1 }), char: fc.constant('') }),
  );

function apply(value: string, edit: { kind: 'replace' | 'insert' | 'delete'; at: number; char: string }): string {
  if (edit.kind === 'insert') return value.slice(0, edit.at) + edit.char + value.slice(edit.at);
  if (edit.kind === 'delete') return value.slice(0, edit.at) + value.slice(edit.at + 1);
  return value.slice(0, edit.at) + edit.char + value.slice(edit.at + 1);
}

/** base64url has padding bits: the last character of a segment can change without changing the bytes. */
async function sameBytes(a: string, b: string): Promise<boolean> {
  const decode = (s: string) => s.split('.').map((part) => Buffer.from(part, 'base64url').toString('hex')).join('.');
  return a.split('.').length === b.split('.').length && decode(a) === decode(b) && /^[A-Za-z0-9_.-]*$/.test(b);
}

async function refused(request: Request): Promise<boolean> {
  try {
    await rs.verifyRequest(request);
    return false;
  } catch (error) {
    // A refusal, never an unexpected exception (which an adapter would turn into a 500).
    expect(error).toBeInstanceOf(VerificationError);
    expect([400, 401]).toContain((error as VerificationError).status);
    return true;
  }
}

describe('no mutation of a valid token or proof is accepted (fast-check)', () => {
  it('access token: any single edit is refused', async () => {
    await fc.assert(
      fc.asyncProperty(mutation(bearerToken.length), async (edit) => {
        const mutated = apply(bearerToken, edit);
        fc.pre(mutated !== bearerToken && !(await sameBytes(bearerToken, mutated)));
        expect(await refused(new Request(URL_ORDERS, { headers: { authorization: `Bearer ${mutated}` } }))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('DPoP proof: any single edit is refused (each mutated proof is otherwise fresh)', async () => {
    const token = await mintWithServerKey(server, { cnf: { jkt: key.jkt } });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...BASE64URL), async (position, kind, char) => {
        const proof = await dpopProof(key, { method: 'GET', url: URL_ORDERS, accessToken: token });
        const edit = { kind: (['replace', 'insert', 'delete'] as const)[kind]!, at: position % proof.length, char };
        const mutated = apply(proof, edit);
        fc.pre(mutated !== proof && !(await sameBytes(proof, mutated)));
        expect(await refused(new Request(URL_ORDERS, { headers: { authorization: `DPoP ${token}`, dpop: mutated } }))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('claims re-signed by the server: any changed audience, issuer or time outside the skew is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ aud: fc.webUrl().filter((u) => u !== RESOURCE) }),
          fc.record({ iss: fc.webUrl().filter((u) => u !== server.issuer) }),
          fc.record({ exp: fc.integer({ min: now - 100_000, max: now - 6 }) }),
          // How far ahead, not when: on a loaded machine the runs take seconds, and a time fixed
          // before them would drift inside the skew. A minute ahead is outside it however slow.
          fc.record({ nbfAhead: fc.integer({ min: 60, max: 100_000 }) }),
        ),
        async (drawn) => {
          const change = 'nbfAhead' in drawn ? { nbf: Math.floor(Date.now() / 1000) + drawn.nbfAhead } : drawn;
          const token = await mintWithServerKey(server, change);
          expect(await refused(new Request(URL_ORDERS, { headers: { authorization: `Bearer ${token}` } }))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
