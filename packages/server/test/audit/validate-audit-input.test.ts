import { describe, expect, it } from 'vitest';
import { AUDIT_EVENTS } from '../../src/events/audit-events.js';
import { assertAuditInput, assertCommitUnit, MAX_DETAILS_SIZE } from '../../src/audit/validate-audit-input.js';
import type { CommitUnit } from '../../src/store/ports/commit-store.js';
import { auditInput, unitOf, unknownEvent } from './audit-fixtures.js';

const details = (d: unknown) => auditInput({ details: d as Record<string, unknown> });

describe('assertAuditInput', () => {
  it('accepts every documented event with typical details', () => {
    for (const event of AUDIT_EVENTS) {
      expect(() =>
        assertAuditInput(auditInput({ event, details: { scope: 'a b', aud: ['https://api.example.com'], cnf: { jkt: 'abc' }, ttl: 300, dpop_bound: true } })),
      ).not.toThrow();
    }
  });

  it('refuses an unknown event or outcome, and a bad time', () => {
    expect(() => assertAuditInput(auditInput({ event: unknownEvent('access_token.minted') }))).toThrow(/unknown event/);
    expect(() => assertAuditInput(auditInput({ outcome: 'maybe' as 'success' }))).toThrow(TypeError);
    expect(() => assertAuditInput(auditInput({ time: 1.5 }))).toThrow(TypeError);
    expect(() => assertAuditInput(auditInput({ time: Number.NaN }))).toThrow(TypeError);
  });

  it.each([
    'client_secret', 'secret', 'clientSecret', 'secret_hash', 'password', 'db_passwd', 'token', 'access_token', 'accessToken',
    'refresh_token', 'subject_token', 'bootstrap_token', 'initial_access_token', 'client_assertion', 'assertion', 'private_key',
    'privateKey', 'master_key', 'api_key', 'Authorization', 'cookie', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth',
  ])('refuses a details key named like a secret: %s (at any depth)', (key) => {
    expect(() => assertAuditInput(details({ [key]: 'x' }))).toThrow(/names a secret/);
    expect(() => assertAuditInput(details({ client: { keys: [{ [key]: 'x' }] } }))).toThrow(/names a secret/);
  });

  it.each(['jti', 'token_type', 'scope', 'kid', 'jkt', 'x', 'y', 'n', 'e', 'kty', 'crv', 'assertion_jti', 'credential_id', 'tokens_issued'])(
    'accepts a non-secret key: %s',
    (key) => {
      expect(() => assertAuditInput(details({ [key]: 'v' }))).not.toThrow();
    },
  );

  it('refuses a value that is a compact JWS or JWE (a raw token or proof), in details or reason', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';
    expect(() => assertAuditInput(details({ proof: jwt }))).toThrow(/looks like a token/);
    expect(() => assertAuditInput(details({ list: ['a', jwt] }))).toThrow(/looks like a token/);
    expect(() => assertAuditInput(auditInput({ reason: jwt }))).toThrow(/looks like a token/);
  });

  it('bounds the size of details', () => {
    expect(() => assertAuditInput(details({ blob: 'a'.repeat(MAX_DETAILS_SIZE - 20) }))).not.toThrow();
    expect(() => assertAuditInput(details({ blob: 'a'.repeat(MAX_DETAILS_SIZE) }))).toThrow(/larger than/);
    expect(() => assertAuditInput(details({ many: Array.from({ length: 3000 }, () => 1) }))).toThrow(/larger than/);
    expect(() => assertAuditInput(details(Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, true]))))).toThrow(/larger than/);
  });

  it('measures size close to the serialised length', () => {
    // A value right at the limit by JSON.stringify passes; one just over fails.
    const at = { blob: 'a'.repeat(MAX_DETAILS_SIZE - '{"blob":""}'.length) };
    expect(JSON.stringify(at).length).toBe(MAX_DETAILS_SIZE);
    expect(() => assertAuditInput(details(at))).not.toThrow();
    expect(() => assertAuditInput(details({ blob: at.blob + 'aa' }))).toThrow(/larger than/);
  });

  it('refuses values that are not JSON, deep nesting and cycles', () => {
    for (const bad of [{ when: new Date() }, { m: new Map() }, { f: () => 1 }, { b: 1n }, { n: Number.POSITIVE_INFINITY }, { a: [undefined] }]) {
      expect(() => assertAuditInput(details(bad))).toThrow(TypeError);
    }
    expect(() => assertAuditInput(details([1]))).toThrow(/plain object/);
    expect(() => assertAuditInput(details(null))).toThrow(/plain object/);
    let deep: Record<string, unknown> = { v: 1 };
    for (let i = 0; i < 10; i++) deep = { deeper: deep };
    expect(() => assertAuditInput(details(deep))).toThrow(/deeper/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => assertAuditInput(details(cyclic))).toThrow(TypeError);
  });

  it('bounds the string fields', () => {
    expect(() => assertAuditInput(auditInput({ reason: 'r'.repeat(1025) }))).toThrow(TypeError);
    expect(() => assertAuditInput(auditInput({ requestId: 'r'.repeat(257) }))).toThrow(TypeError);
    expect(() => assertAuditInput(auditInput({ agentId: 5 as unknown as string }))).toThrow(TypeError);
  });
});

describe('assertCommitUnit', () => {
  it('checks the records in audit and onReplay, and the shape of the unit', () => {
    expect(() => assertCommitUnit(unitOf(auditInput()))).not.toThrow();
    expect(() => assertCommitUnit({ ...unitOf(), onReplay: [auditInput({ details: { password: 'x' } })] })).toThrow(TypeError);
    expect(() => assertCommitUnit({ audit: [] } as unknown as CommitUnit)).toThrow(TypeError);
  });
});
