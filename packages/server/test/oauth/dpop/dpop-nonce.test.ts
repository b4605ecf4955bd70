import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createAgent, startTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { DPOP_ISSUER, dpopKey, proofFor, tokenRequest, type DpopTestKey } from './dpop-support.js';

/** RFC 9449 §8.1: `DPoP-Nonce = 1*NQCHAR`, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NQCHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const LIFETIME_S = 60;

describe.each(BACKENDS)('DPoP server nonces, RFC 9449 §8 (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  let key: DpopTestKey;
  const env = { AGENTAUTH_ISSUER: DPOP_ISSUER, AGENTAUTH_DPOP_NONCE: 'required', AGENTAUTH_DPOP_NONCE_LIFETIME: String(LIFETIME_S) };

  beforeAll(async () => {
    t = await startTestServer(backend, env);
    agent = await createAgent(t.server);
    key = await dpopKey('ES256');
  });
  afterAll(async () => t?.close());

  async function currentNonce(): Promise<string> {
    const response = await tokenRequest(t, agent, await proofFor(t, key));
    expect(response.statusCode).toBe(400);
    return response.headers['dpop-nonce'] as string;
  }

  it('answers a proof without a nonce with 400 use_dpop_nonce and a DPoP-Nonce header, then accepts the nonce', async () => {
    const challenge = await tokenRequest(t, agent, await proofFor(t, key));
    expect(challenge.statusCode).toBe(400);
    expect(challenge.json()).toEqual({ error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof.' });
    const nonce = challenge.headers['dpop-nonce'];
    expect(nonce).toMatch(NQCHARS);
    expect(challenge.headers['cache-control']).toBe('no-store');

    const response = await tokenRequest(t, agent, await proofFor(t, key, { claims: { nonce } }));
    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('DPoP');
    // Every successful answer carries the nonce to use next (§8.2), so no extra round trip is needed.
    expect(response.headers['dpop-nonce']).toMatch(NQCHARS);
  });

  it('refuses a nonce the server never issued with use_dpop_nonce', async () => {
    const response = await tokenRequest(t, agent, await proofFor(t, key, { claims: { nonce: 'made-up-nonce-value-123' } }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('use_dpop_nonce');
    expect(response.headers['dpop-nonce']).toMatch(NQCHARS);
  });

  it('keeps a nonce valid through the next window and refuses it after the lifetime', async () => {
    const nonce = await currentNonce();
    t.clock.advance((LIFETIME_S / 2) * 1000);
    expect((await tokenRequest(t, agent, await proofFor(t, key, { claims: { nonce } }))).statusCode).toBe(200);
    t.clock.advance((LIFETIME_S / 2) * 1000);
    const stale = await tokenRequest(t, agent, await proofFor(t, key, { claims: { nonce } }));
    expect(stale.statusCode).toBe(400);
    expect(stale.json().error).toBe('use_dpop_nonce');
    expect(stale.headers['dpop-nonce']).not.toBe(nonce);
  });

  it('sends a fresh nonce with invalid_dpop_proof too, and still serves bearer requests without a proof', async () => {
    const bad = await tokenRequest(t, agent, await proofFor(t, key, { claims: { htm: 'GET' } }));
    expect(bad.json().error).toBe('invalid_dpop_proof');
    expect(bad.headers['dpop-nonce']).toMatch(NQCHARS);
    const bearer = await tokenRequest(t, agent, undefined);
    expect(bearer.statusCode).toBe(200);
    expect(bearer.json().token_type).toBe('Bearer');
  });

  it('is stateless: another node with the same master key accepts the nonce, one with another secret does not', async () => {
    const other = await startTestServer('sqlite', env);
    const foreign = await startTestServer('sqlite', { ...env, AGENTAUTH_DPOP_NONCE_SECRET: Buffer.alloc(32, 9).toString('base64') });
    try {
      for (const node of [other, foreign]) node.clock.set(t.clock.now());
      const nonce = await currentNonce();
      const otherAgent = await createAgent(other.server);
      expect((await tokenRequest(other, otherAgent, await proofFor(other, key, { claims: { nonce } }))).statusCode).toBe(200);
      const foreignAgent = await createAgent(foreign.server);
      const refused = await tokenRequest(foreign, foreignAgent, await proofFor(foreign, key, { claims: { nonce } }));
      expect(refused.json().error).toBe('use_dpop_nonce');
    } finally {
      await other.close();
      await foreign.close();
    }
  });
});
