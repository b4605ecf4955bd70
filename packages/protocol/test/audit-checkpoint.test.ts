import { describe, expect, it } from 'vitest';
import { parseAuditCheckpointClaims } from '../src/audit-checkpoint.js';

const HASH = 'Xb1qK2mZ0sPd4-vT6wYh8nR3cE5fG7jL9aB_uQxWkMo';
const DIGEST = 'A'.repeat(43);
const FIRST = { iss: 'https://auth.example.com', iat: 1767225600, checkpoint: 1, seq: 42, hash: HASH };
const SECOND = { ...FIRST, checkpoint: 2, seq: 50, prev: { checkpoint: 1, seq: 42, hash: HASH, digest: DIGEST } };

describe('parseAuditCheckpointClaims', () => {
  it('reads the first checkpoint and a later one, linked to its predecessor', () => {
    expect(parseAuditCheckpointClaims(FIRST)).toEqual(FIRST);
    expect(parseAuditCheckpointClaims(SECOND)).toEqual(SECOND);
  });

  it.each([
    ['an unknown claim', { ...FIRST, exp: 1 }, 'unexpected claim exp'],
    ['no issuer', { ...FIRST, iss: '' }, 'iss must be a non-empty string'],
    ['a fractional iat', { ...FIRST, iat: 1.5 }, 'iat must be a positive integer'],
    ['seq 0', { ...FIRST, seq: 0 }, 'seq must be a positive integer'],
    ['a seq as a string', { ...FIRST, seq: '42' }, 'seq must be a positive integer'],
    ['a short hash', { ...FIRST, hash: 'abc' }, 'hash must be 43 base64url characters'],
    ['checkpoint 1 with a prev', { ...SECOND, checkpoint: 1 }, 'checkpoint 1 has no prev'],
    ['a later checkpoint without prev', { ...FIRST, checkpoint: 2 }, 'prev is required after checkpoint 1'],
    ['a prev skipping a number', { ...SECOND, checkpoint: 3 }, 'prev.checkpoint must be checkpoint - 1'],
    ['a prev at the same head', { ...SECOND, prev: { ...SECOND.prev, seq: 50 } }, 'prev.seq must be a positive integer below seq'],
    ['a prev without digest', { ...SECOND, prev: { checkpoint: 1, seq: 42, hash: HASH } }, 'prev.digest must be 43 base64url characters'],
    ['an unknown prev member', { ...SECOND, prev: { ...SECOND.prev, kid: 'k' } }, 'unexpected member prev.kid'],
    ['a prev that is an array', { ...SECOND, prev: [] }, 'prev must be an object'],
  ])('refuses %s, naming the rule', (_name, claims, problem) => {
    expect(parseAuditCheckpointClaims(claims as Record<string, unknown>)).toEqual({ problem });
  });
});
