import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OcsfEvent } from './ocsf-event.js';
import type { SiemSink } from './siem-sink.js';

/**
 * The file sink: each batch appended to one file as JSON lines (one OCSF event a line), then
 * `fsync`ed before it counts as delivered; the file is created with mode 0600 (and its directory
 * synced, so the new name survives a crash too). The file is opened for each batch and closed
 * after it, so a log rotator that renames it (without `copytruncate`) makes the next batch start a
 * new file; rotation itself is the rotator's job (docs/monitoring.md, "SIEM export").
 */
export class FileSink implements SiemSink {
  readonly name = 'file' as const;
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  async send(events: readonly OcsfEvent[]): Promise<void> {
    if (events.length === 0) return;
    const body = events.map((event) => `${JSON.stringify(event)}\n`).join('');
    let created = false;
    let handle = await open(this.#path, constants.O_WRONLY | constants.O_APPEND).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      return undefined;
    });
    if (handle === undefined) {
      handle = await open(this.#path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
      created = true;
    }
    try {
      await handle.writeFile(body, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await syncDirectory(dirname(this.#path));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
