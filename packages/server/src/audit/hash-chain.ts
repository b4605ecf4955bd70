import { hash } from 'node:crypto';
import type { AuditRecord } from '../store/records.js';

/** The fields of a record that its hash covers: everything but the chain links themselves. */
export type HashedAuditFields = Omit<AuditRecord, 'hash' | 'prevHash'>;

/** `prevHash` of the first record ever written (the chain's genesis). */
export const GENESIS_PREV_HASH = '';

/**
 * The canonical form of an audit record: one line of JSON with no whitespace, the fields in this
 * fixed order and named as in the export (docs/events.md), `time` as integer milliseconds, and the
 * keys of `details` sorted (by UTF-16 code unit, `Array.prototype.sort`) at every depth.
 *
 * `details` must hold only JSON values (the audit log checks this before a record is queued). As in
 * `JSON.stringify`, object members whose value is `undefined` are left out, so the form is the same
 * before and after a JSON round trip through the database — that is what lets a verifier recompute
 * the hash from what it reads back.
 */
export function canonicalAuditRecord(record: HashedAuditFields): string {
  return (
    `{"seq":${num(record.seq)},"time":${num(record.time)},"event":${str(record.event)}` +
    `,"outcome":${str(record.outcome)},"agent_id":${strOrNull(record.agentId)}` +
    `,"actor":${strOrNull(record.actor)},"source_ip":${strOrNull(record.sourceIp)}` +
    `,"reason":${strOrNull(record.reason)},"request_id":${strOrNull(record.requestId)}` +
    `,"details":${canonicalJson(record.details)}}`
  );
}

/**
 * The hash that chains an audit record to its predecessor:
 * `base64url(SHA-256(prevHash + "\n" + canonicalAuditRecord(record)))`, with `prevHash` the previous
 * record's `hash` ({@link GENESIS_PREV_HASH} for the first record). Because every hash covers the one
 * before it, editing, deleting or reordering any stored record breaks every later link
 * (see `verifyAuditChain`).
 *
 * The store calls this under its chain lock (`CommitStore.commitUnits`) after assigning `seq`, so it
 * must stay pure and cheap. It does not validate `record`: the audit log does that at its boundary.
 */
export function hashAuditRecord(prevHash: string, record: HashedAuditFields): string {
  // One-shot: half the cost of a Hash object per record, on the commit thread's path. `prevHash`
  // is base64url, so hashing the concatenation is hashing the parts in turn.
  return hash('sha256', `${prevHash}\n${canonicalAuditRecord(record)}`, 'base64url');
}

/**
 * Deterministic JSON: `JSON.stringify` semantics for JSON values, with object keys sorted at every
 * depth. Throws `TypeError` on a value JSON cannot represent faithfully (non-finite number, bigint,
 * function, symbol, `undefined` in an array), rather than hashing something the database would not
 * give back.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return num(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) throw new TypeError('audit details: undefined inside an array');
          out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(obj).sort()) {
        const member = obj[key];
        if (member === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(member);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`audit details: a ${typeof value} is not a JSON value`);
  }
}

function num(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError('audit record: numbers must be finite');
  // JSON.stringify writes -0 as 0, as the database will give it back.
  return JSON.stringify(n);
}

function str(s: string): string {
  return JSON.stringify(s);
}

function strOrNull(s: string | null): string {
  return s === null ? 'null' : JSON.stringify(s);
}
