// Child processes of the bench: spawned pinned to a CPU core, and all stopped (with their temp
// dirs removed) when the bench ends, errors or is interrupted.
import { spawn, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set();
/** Every online core, counted before this process pins itself (affinity-aware counts shrink). */
export const CORES = cpus().length;
const tempDirs = new Set();

/** Whether `taskset` (util-linux) is available to pin processes to cores. */
export const canPin = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Pins this process (every thread, so libuv's pool and V8's helpers too) to `cpus`, e.g. "1".
 * Children spawned later with `spawnPinned` set their own affinity explicitly.
 */
export function pinSelf(cpus) {
  if (!canPin) return false;
  execFileSync('taskset', ['-a', '-cp', cpus, String(process.pid)], { stdio: 'ignore' });
  return true;
}

/**
 * Spawns `node <args>` in its own process group, pinned to `cpus` with taskset when available
 * (`cpus` undefined: unpinned). Its stderr is kept (last 8 KiB) to explain a failed start.
 */
export function spawnNode(args, { env, cpus, label }) {
  // An unpinned child is given every core explicitly: it would otherwise inherit the bench's pin.
  const pin = canPin ? ['taskset', '-c', cpus ?? `0-${CORES - 1}`] : [];
  // BENCH_SERVER_NODE_ARGS reaches the servers only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const [command, ...argv] = [...pin, process.execPath, ...nodeArgs, ...args];
  const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-8192);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return {
    label,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => stopChild(child),
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Stops a child's whole process group: SIGTERM, then SIGKILL after 3 s. */
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(3000).then(() => true)]);
  if (timedOut) {
    signalGroup(child, 'SIGKILL');
    await exited;
  }
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Registers a temp dir to remove at the end. */
export function removeAtExit(dir) {
  tempDirs.add(dir);
  return dir;
}

/** Stops every child still running and removes the temp dirs. Safe to call twice. */
export async function cleanUp() {
  await Promise.all([...children].map((child) => stopChild(child)));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Synchronous last resort for `process.on('exit')`: SIGKILL what is left, remove the dirs. */
export function cleanUpSync() {
  for (const child of children) signalGroup(child, 'SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/**
 * Polls `url` until it answers 200, failing early if the child exits. Returns nothing; throws
 * with the child's last output on failure.
 */
export async function waitForHttp(url, handle, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (handle.exited()) throw new Error(`${handle.label} exited during start:\n${handle.output()}`);
    try {
      const response = await globalThis.fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${handle.label} did not answer ${url} within ${timeoutMs} ms:\n${handle.output()}`);
    await sleep(100);
  }
}

/**
 * Runs a benchmark script's `main`: its child processes and data directories are removed however
 * it ends (on exit too), and a failure prints its stack and sets exit code 1.
 */
export function runAsScript(main) {
  process.on('exit', cleanUpSync);
  return main()
    .catch((error) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(cleanUp);
}
