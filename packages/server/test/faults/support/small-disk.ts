import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small file system of the test's own (tmpfs), to fill up without touching the machine's disks. */
export interface SmallDisk {
  path: string;
  /** Writes a file until the file system answers ENOSPC; returns the bytes written. */
  fill(): number;
  /** Deletes what `fill` wrote. */
  free(): void;
  /** Unmounts and removes the mount point. */
  destroy(): void;
}

function mount(sizeBytes: number): { path: string } | { error: string } {
  const path = mkdtempSync(join(tmpdir(), 'agentauth-small-disk-'));
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', path], { encoding: 'utf8' });
  if (result.status === 0) return { path };
  rmSync(path, { recursive: true, force: true });
  return { error: `${result.error?.message ?? ''}${result.stderr}`.trim() || `mount exited ${result.status}` };
}

/**
 * Why a tmpfs cannot be mounted here (not root, no mount(8), a container without the
 * capability), or undefined when it can: tried once with a tiny one.
 */
export function cannotMountTmpfs(): string | undefined {
  const probe = mount(64 * 1024);
  if ('error' in probe) return probe.error;
  spawnSync('umount', [probe.path]);
  rmSync(probe.path, { recursive: true, force: true });
  return undefined;
}

/** Mounts a tmpfs of `sizeBytes`. */
export function mountSmallDisk(sizeBytes: number): SmallDisk {
  const mounted = mount(sizeBytes);
  if ('error' in mounted) throw new Error(`cannot mount a tmpfs: ${mounted.error}`);
  const { path } = mounted;
  const filler = join(path, 'filler');
  return {
    path,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      try {
        for (;;) written += writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
      // The last partial chunk: fill the very last bytes too.
      const tail = openSync(filler, 'a');
      try {
        for (;;) written += writeSync(tail, Buffer.alloc(512, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(tail);
      }
      return written;
    },
    free() {
      unlinkSync(filler);
    },
    destroy() {
      spawnSync('umount', ['-l', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
