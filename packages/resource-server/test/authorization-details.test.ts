import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationDetailFor, createResourceServer, ExpiringKeys, requireAuthorizationDetails, RevocationState, VerificationError, type ResourceServer } from '../src/index.js';
import { mintWithServerKey, startRealServer, type RealServer } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';
const PAYMENT = { type: 'payment_initiation', amount: 2500, currency: 'EUR', creditor: 'ACME', actions: ['initiate'], locations: [RESOURCE] };

let server: RealServer;
let rs: ResourceServer;
beforeAll(async () => {
  server = await startRealServer();
  rs = createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: new RevocationState() });
});
afterAll(async () => server.close());

const request = (token: string) => new Request(`${RESOURCE}/payments`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
async function refusal(promise: Promise<unknown>): Promise<VerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VerificationError);
  return error as VerificationError;
}

describe('requireAuthorizationDetails: RFC 9396 details on a route', () => {
  it('accepts a token whose detail has the type, the fields, an amount that covers the action and the actions', async () => {
    const token = await mintWithServerKey(server, { authorization_details: [PAYMENT] });
    const check = requireAuthorizationDetails({ type: 'payment_initiation', equals: { currency: 'EUR', creditor: 'ACME' }, covers: { amount: 900 }, atMost: { amount: 10_000 }, actions: ['initiate'] });
    const principal = await rs.verify(request(token), { checks: [check] });
    expect(authorizationDetailFor(principal, { type: 'payment_initiation', covers: { amount: 2500 } })).toEqual(PAYMENT);
  });

  it('refuses with 403 insufficient_scope: another type, another field value, an amount beyond the approved one, a missing action, no details', async () => {
    const token = await mintWithServerKey(server, { authorization_details: [PAYMENT] });
    for (const requirement of [
      { type: 'account_closure' },
      { type: 'payment_initiation', equals: { currency: 'USD' } },
      { type: 'payment_initiation', covers: { amount: 2500.01 } },
      { type: 'payment_initiation', atMost: { amount: 100 } },
      { type: 'payment_initiation', actions: ['refund'] },
    ]) {
      const error = await refusal(rs.verify(request(token), { checks: [requireAuthorizationDetails(requirement)] }));
      expect(error.code).toBe('ERR_AUTHORIZATION_DETAILS');
      expect(error.status).toBe(403);
      expect(error.error).toBe('insufficient_scope');
    }
    const plain = await mintWithServerKey(server, { scope: 'payments:write' });
    expect((await refusal(rs.verify(request(plain), { checks: [requireAuthorizationDetails({ type: 'payment_initiation' })] }))).code).toBe('ERR_AUTHORIZATION_DETAILS');
  });

  it('with singleUse, accepts a token once: the second presentation is 401 invalid_token', async () => {
    const token = await mintWithServerKey(server, { authorization_details: [PAYMENT] });
    const check = requireAuthorizationDetails({ type: 'payment_initiation' }, { singleUse: new ExpiringKeys() });
    await rs.verify(request(token), { checks: [check] });
    const again = await refusal(rs.verify(request(token), { checks: [check] }));
    expect(again).toMatchObject({ code: 'ERR_TOKEN_REUSED', status: 401, error: 'invalid_token' });
    const other = await mintWithServerKey(server, { authorization_details: [PAYMENT] });
    await rs.verify(request(other), { checks: [check] });
  });

  it('throws TypeError on misuse', () => {
    expect(() => requireAuthorizationDetails({ type: '' })).toThrow(TypeError);
    expect(() => requireAuthorizationDetails({ type: 't', covers: { amount: Number.NaN } })).toThrow(TypeError);
  });
});
