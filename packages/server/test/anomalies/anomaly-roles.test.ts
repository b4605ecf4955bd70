import { describe, expect, it } from 'vitest';
import { roleAllows } from '../../src/people/admin-roles.js';

describe('roles on the anomaly routes (docs/people.md, "Roles")', () => {
  it('lets an operator acknowledge and resolve anomalies, an auditor only read them', () => {
    for (const route of ['/anomalies/:id/acknowledge', '/anomalies/:id/resolve']) {
      expect(roleAllows(['operator'], 'POST', route)).toBe(true);
      expect(roleAllows(['auditor'], 'POST', route)).toBe(false);
      expect(roleAllows([], 'POST', route)).toBe(false);
    }
    for (const route of ['/anomalies', '/anomalies/:id']) {
      expect(roleAllows(['auditor'], 'GET', route)).toBe(true);
      expect(roleAllows([], 'GET', route)).toBe(false);
    }
  });
});
