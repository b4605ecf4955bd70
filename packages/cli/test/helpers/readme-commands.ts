import { readFileSync } from 'node:fs';

/** One `sh` code block of a README section: its commands, continuation lines joined, comments dropped. */
export interface ReadmeBlock {
  /** The step's heading, e.g. `**2. Create an agent.**`. */
  step: string;
  commands: string[];
}

/**
 * The `sh` blocks of the section of `file` that starts with the heading `section`, in order, so a
 * test runs what the README says rather than its own copy. A line ending in `\` continues on the
 * next; a command's trailing `# comment` and whole comment lines are dropped.
 */
export function readmeBlocks(file: string, section: string): ReadmeBlock[] {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n${section}\n`);
  if (start < 0) throw new Error(`${file} has no section "${section}"`);
  const end = text.indexOf('\n## ', start + section.length + 2);
  const body = text.slice(start, end < 0 ? undefined : end);
  const blocks: ReadmeBlock[] = [];
  let step = '';
  for (const match of body.matchAll(/^(\*\*\d+\.[^*]*\*\*)|^```sh\n([\s\S]*?)^```$/gm)) {
    if (match[1] !== undefined) {
      step = match[1];
      continue;
    }
    const lines = (match[2] ?? '').replace(/\\\n\s*/g, '').split('\n');
    const commands = lines.map((line) => line.replace(/\s+#\s.*$/, '').trim()).filter((line) => line !== '' && !line.startsWith('#'));
    blocks.push({ step, commands });
  }
  return blocks;
}
