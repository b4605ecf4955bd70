// The bench's output: a plain-text table on stdout and the same figures as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const COLUMNS = [
  ['peer', 30, (row) => row.name],
  ['tokens/s', 10, (row) => fixed(row.peak?.tokensPerSecond, 0)],
  ['p50 ms', 9, (row) => fixed(row.peak?.p50, 1)],
  ['p99 ms', 9, (row) => fixed(row.peak?.p99, 1)],
  ['p99 ms @50%', 13, (row) => fixed(row.half?.p99, 1)],
  ['failed', 8, (row) => String((row.peak?.failures ?? 0) + (row.half?.failures ?? 0))],
];

/** The table, ratios and notes as lines of text. */
export function renderText(results) {
  const { settings, machine } = results;
  const lines = [
    `POST /token  client_credentials + private_key_jwt (ES256), ${machine.pinned ? '1 core each (taskset -c 0), load generator on the other core (taskset -c 1)' : 'UNPINNED (taskset not found): servers and load generator share all cores'}`,
    `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; ${settings.repeats} runs of ${settings.durationSeconds} s each, median shown; ` +
      `peak = closed loop with ${settings.connections} connections; @50% = open loop at half the peak rate`,
    '',
    COLUMNS.map(([title, width], i) => (i === 0 ? title.padEnd(width) : title.padStart(width))).join(''),
  ];
  const row = (peer) => COLUMNS.map(([, width, cell], i) => (i === 0 ? cell(peer).padEnd(width) : cell(peer).padStart(width))).join('');
  for (const peer of results.peers) lines.push(row(peer));
  if (results.ratio) {
    const { tokensPerSecond, p99AtPeak, p99AtHalf } = results.ratio;
    lines.push(`ratio agentauth/oidc-provider: ${fixed(tokensPerSecond, 2)}x tokens/s; p99 at peak ${fixed(p99AtPeak, 2)}x, p99 @50% ${fixed(p99AtHalf, 2)}x (below 1 is faster)`);
    const { ofBareCrypto, targetOfBareCrypto } = results.ratio;
    if (ofBareCrypto !== undefined) {
      lines.push(`ratio agentauth/bare node:crypto endpoint: ${fixed(ofBareCrypto, 2)}x tokens/s; 2.5x oidc-provider would be ${fixed(targetOfBareCrypto, 2)}x the bare endpoint`);
    }
  }
  if (results.workers) lines.push(row(results.workers));
  if (results.skipped.length > 0) lines.push('', ...results.skipped.map((reason) => `skipped: ${reason}`));
  lines.push('', ...results.notes.map((note) => `note: ${note}`));
  return lines.join('\n');
}

/** Writes `results` as JSON to `file`, creating its directory. */
export function writeJson(file, results) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

function fixed(value, digits) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '-';
}
