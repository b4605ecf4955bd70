import { describe, expect, it } from 'vitest';
import { parseDetailTypes } from '../../src/approvals/detail-types.js';
import { DETAIL_TYPES } from './approval-harness.js';

describe('the detail types file (docs/approvals.md, "Detail types")', () => {
  it('reads the documented example: fields, bounds and the threshold rule', () => {
    const types = parseDetailTypes(DETAIL_TYPES);
    expect([...types.keys()]).toEqual(['payment_initiation', 'account_closure']);
    expect(types.get('payment_initiation')?.approval).toEqual({ kind: 'above', field: 'amount', above: 100 });
    expect(types.get('account_closure')?.approval).toEqual({ kind: 'always' });
    expect(types.get('payment_initiation')?.fields.get('currency')).toMatchObject({ type: 'string', required: true, enum: ['EUR', 'USD'] });
  });

  it('refuses what the operator cannot have meant, every problem at once', () => {
    const bad = {
      'bad name!': {},
      payment: {
        fields: { amount: { type: 'money' }, note: { type: 'string', maximum: 3 }, locations: { type: 'string' } },
        approval: { field: 'note', above: 1 },
        colour: 'blue',
      },
    };
    let message = '';
    try {
      parseDetailTypes(bad);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    for (const problem of ['type "bad name!": name must match', 'unknown member "colour"', 'field "amount": type must be one of', 'field "note": maximum must be a number, on a number or integer field', 'field "locations": name must', 'approval threshold field "note" must be a required number']) {
      expect(message).toContain(problem);
    }
    expect(() => parseDetailTypes([])).toThrow(TypeError);
  });
});
