import { describe, expect, it } from 'vitest';
import { roleAllows } from '../../src/people/admin-roles.js';

describe('roles on the managed API key routes (docs/people.md, "Roles")', () => {
  it('lets an operator create, rotate and revoke keys, an auditor only read them', () => {
    for (const [method, route] of [['POST', '/agents/:id/api-keys'], ['POST', '/api-keys/:key_id/rotate'], ['POST', '/api-keys/:key_id/revoke']] as const) {
      expect(roleAllows(['operator'], method, route)).toBe(true);
      expect(roleAllows(['auditor'], method, route)).toBe(false);
      expect(roleAllows([], method, route)).toBe(false);
    }
    expect(roleAllows(['auditor'], 'GET', '/api-keys')).toBe(true);
    expect(roleAllows(['auditor'], 'GET', '/api-keys/:key_id')).toBe(true);
  });
});
