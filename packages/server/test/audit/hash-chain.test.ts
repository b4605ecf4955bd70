import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAuditRecord, canonicalJson, hashAuditRecord } from '../../src/audit/hash-chain.js';
import type { AuditRecord } from '../../src/store/records.js';
import { auditInput } from './audit-fixtures.js';

type Fields = Omit<AuditRecord, 'hash' | 'prevHash'>;

const record: Fields = { ...auditInput({ details: { scope: 'a b', jti: 'j1', cnf: { jkt: 'x', alg: 'ES256' } } }), seq: 1 };

describe('hashAuditRecord (docs/events.md, "Hash chain")', () => {
  it('is base64url(SHA-256(prevHash + "\\n" + canonical form)), with the documented canonical form', () => {
    const canonical =
      '{"seq":1,"time":1767225600000,"event":"access_token.issued","outcome":"success","agent_id":"agt_1",' +
      '"actor":"agent:agt_1","source_ip":"192.0.2.1","reason":null,"request_id":"req_1",' +
      '"details":{"cnf":{"alg":"ES256","jkt":"x"},"jti":"j1","scope":"a b"}}';
    expect(canonicalAuditRecord(record)).toBe(canonical);
    const expected = createHash('sha256').update(`prev\n${canonical}`).digest('base64url');
    expect(hashAuditRecord('prev', record)).toBe(expected);
    expect(hashAuditRecord('prev', record)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('does not depend on the key order of details, at any depth', () => {
    const reordered: Fields = { ...record, details: { cnf: { alg: 'ES256', jkt: 'x' }, jti: 'j1', scope: 'a b' } };
    expect(hashAuditRecord('', reordered)).toBe(hashAuditRecord('', record));
  });

  it('is the same after a JSON round trip through the database (undefined members dropped)', () => {
    const withUndefined: Fields = { ...record, details: { ...record.details, missing: undefined } };
    const roundTripped: Fields = { ...record, details: JSON.parse(JSON.stringify(withUndefined.details)) as Record<string, unknown> };
    expect(hashAuditRecord('', withUndefined)).toBe(hashAuditRecord('', roundTripped));
    expect(hashAuditRecord('', withUndefined)).toBe(hashAuditRecord('', record));
  });

  it('changes when any hashed field or the previous hash changes', () => {
    const base = hashAuditRecord('p', record);
    const variants: Fields[] = [
      { ...record, seq: 2 },
      { ...record, time: record.time + 1 },
      { ...record, event: 'access_token.denied' },
      { ...record, outcome: 'failure' },
      { ...record, agentId: 'agt_2' },
      { ...record, agentId: null },
      { ...record, actor: 'system' },
      { ...record, sourceIp: '192.0.2.2' },
      { ...record, reason: 'bad' },
      { ...record, requestId: null },
      { ...record, details: { ...record.details, scope: 'a' } },
      { ...record, details: { ...record.details, extra: null } },
    ];
    const hashes = new Set(variants.map((v) => hashAuditRecord('p', v)));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(base)).toBe(false);
    expect(hashAuditRecord('q', record)).not.toBe(base);
  });

  it('keeps a string field apart from null and from a string "null"', () => {
    expect(hashAuditRecord('', { ...record, reason: 'null' })).not.toBe(hashAuditRecord('', { ...record, reason: null }));
  });
});

describe('canonicalJson', () => {
  it('agrees with JSON.parse(JSON.stringify(x)) for any JSON object, and is key-order independent', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(text);
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(text);
      }),
    );
  });

  it('refuses what JSON cannot give back', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    expect(() => canonicalJson({ a: [undefined] })).toThrow(TypeError);
  });
});
