import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AUDIT_EVENTS } from '../../src/events/audit-events.js';
import { OCSF_ACTIVITIES, OCSF_CLASSES, OCSF_MAPPING } from '../../src/siem/ocsf-mapping.js';

describe('the OCSF mapping table of docs/monitoring.md', () => {
  it('maps every audit event as the code does, and nothing else', async () => {
    const markdown = await readFile(new URL('../../../../docs/monitoring.md', import.meta.url), 'utf8');
    const rows = [...markdown.matchAll(/^\| `([a-z_]+\.[a-z_]+)` \| (\d+) ([^|]+?) \| (\d+) ([^|]+?) \|$/gm)].map((m) => ({
      event: m[1],
      classUid: Number(m[2]),
      className: m[3],
      activityId: Number(m[4]),
      activityName: m[5],
    }));
    const expected = AUDIT_EVENTS.map((event) => {
      const { classUid, activityId } = OCSF_MAPPING[event];
      return { event, classUid, className: OCSF_CLASSES[classUid].name, activityId, activityName: OCSF_ACTIVITIES[classUid][activityId] };
    });
    expect(rows).toEqual(expected);
  });
});
