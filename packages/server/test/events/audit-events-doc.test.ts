import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AUDIT_EVENTS } from '../../src/events/audit-events.js';

const DOC = new URL('../../../../docs/events.md', import.meta.url);

/** The events docs/events.md documents: one `### \`name\`` heading each, under "## Events". */
async function documentedEvents(): Promise<{ names: string[]; sections: Map<string, string> }> {
  const text = await readFile(DOC, 'utf8');
  const start = text.indexOf('\n## Events\n');
  expect(start, 'docs/events.md has an "## Events" section').toBeGreaterThan(-1);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  const names: string[] = [];
  const sections = new Map<string, string>();
  const parts = section.split(/^### /m).slice(1);
  for (const part of parts) {
    const match = /^`([^`]+)`\n/.exec(part);
    expect(match, `heading "### ${part.split('\n')[0]}" names one event in backticks`).not.toBeNull();
    const name = (match as RegExpExecArray)[1] as string;
    names.push(name);
    sections.set(name, part);
  }
  return { names, sections };
}

describe('docs/events.md and AUDIT_EVENTS agree', () => {
  it('documents every event in the code', async () => {
    const { names } = await documentedEvents();
    const missing = AUDIT_EVENTS.filter((event) => !names.includes(event));
    expect(missing, 'events in AUDIT_EVENTS but not in docs/events.md').toEqual([]);
  });

  it('documents no event the code does not have, and none twice', async () => {
    const { names } = await documentedEvents();
    const known: readonly string[] = AUDIT_EVENTS;
    expect(names.filter((name) => !known.includes(name)), 'events in docs/events.md but not in AUDIT_EVENTS').toEqual([]);
    expect(names.filter((name, i) => names.indexOf(name) !== i), 'events documented twice').toEqual([]);
  });

  it('gives every event its outcome values and details', async () => {
    const { sections } = await documentedEvents();
    for (const [name, text] of sections) {
      expect(text, `${name}: outcome`).toMatch(/^- outcome: .*`(success|failure)`/m);
      expect(text, `${name}: details`).toMatch(/^- details: /m);
    }
  });

  it('names events <noun>.<past_verb> in snake_case', () => {
    for (const event of AUDIT_EVENTS) expect(event).toMatch(/^[a-z][a-z_]*\.[a-z][a-z_]*$/);
  });
});
