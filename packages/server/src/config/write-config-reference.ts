import { readFile, writeFile } from 'node:fs/promises';
import { updateConfigReference } from './render-config-reference.js';

/**
 * Rewrites the generated settings reference between the config-reference markers in each file
 * (`npm run docs:config` runs it on docs/configuration.md and README.md). A file already up to
 * date is not written. Paths are relative to the process's working directory.
 *
 * @throws TypeError naming the file when its markers are missing, repeated or out of order.
 */
export async function writeConfigReference(files: string[]): Promise<void> {
  for (const file of files) {
    const current = await readFile(file, 'utf8');
    let updated: string;
    try {
      updated = updateConfigReference(current);
    } catch (error) {
      throw new TypeError(`${file}: ${(error as Error).message}`, { cause: error });
    }
    if (updated !== current) await writeFile(file, updated);
  }
}
