import type { Dirent } from 'node:fs';
import { open, opendir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import { isBinary, type SkipReason } from './blob-text.js';

/** Directories never walked: git's own, and (unless asked) installed dependencies. */
const ALWAYS_SKIPPED = new Set(['.git']);

/** One file of the working tree: its text, or why it was skipped. */
export type TreeEntry = { path: string; text: string } | { path: string; skipped: SkipReason; size?: number };

/** Options of {@link walkWorkingTree}. */
export interface WalkOptions {
  /** Files larger than this many bytes are skipped (reported, never read). */
  maxBytes: number;
  /** Walk `node_modules` directories too. */
  includeNodeModules: boolean;
}

/**
 * The files under `root`, depth first, one at a time (memory holds one file and the directory
 * handles of the current path). Symbolic links are not followed, `.git` is never entered, and
 * `node_modules` only when asked; a file over `maxBytes` or with a NUL in its first bytes is
 * yielded as skipped, without its content. Paths are relative to `root`, with `/`.
 */
export async function* walkWorkingTree(root: string, options: WalkOptions): AsyncGenerator<TreeEntry> {
  const pending: string[] = [root];
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = [];
      for await (const entry of await opendir(directory)) entries.push(entry);
    } catch {
      yield { path: display(root, directory), skipped: 'unreadable' };
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirectories: string[] = [];
    for (const entry of entries) {
      const full = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (ALWAYS_SKIPPED.has(entry.name) || (entry.name === 'node_modules' && !options.includeNodeModules)) continue;
        subdirectories.push(full);
      } else if (entry.isFile()) {
        yield await readEntry(root, full, options.maxBytes);
      }
    }
    // Reversed onto the stack, so they are walked in name order.
    pending.push(...subdirectories.reverse());
  }
}

async function readEntry(root: string, full: string, maxBytes: number): Promise<TreeEntry> {
  const path = display(root, full);
  let handle;
  try {
    handle = await open(full, 'r');
    const { size } = await handle.stat();
    if (size > maxBytes) return { path, skipped: 'too-large', size };
    // Exactly the size seen: a file that grows while it is read is not read past the cap.
    const bytes = Buffer.alloc(size);
    const { bytesRead } = await handle.read(bytes, 0, size, 0);
    if (isBinary(bytes.subarray(0, bytesRead))) return { path, skipped: 'binary', size };
    return { path, text: bytes.subarray(0, bytesRead).toString('utf8') };
  } catch {
    return { path, skipped: 'unreadable' };
  } finally {
    await handle?.close();
  }
}

function display(root: string, full: string): string {
  return relative(root, full).split(sep).join('/') || '.';
}
