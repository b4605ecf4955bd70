// How busy the machine is without us: sampled from /proc/stat before the bench starts, because on
// a shared machine someone else's build or test run changes every figure.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Share (0..1) of all cores busy during the next `milliseconds`, or undefined where /proc/stat
 * does not exist (not Linux).
 */
export async function machineBusyShare(milliseconds = 1000) {
  const before = readTotals();
  if (!before) return undefined;
  await sleep(milliseconds);
  const after = readTotals();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : undefined;
}

function readTotals() {
  let line;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
}
