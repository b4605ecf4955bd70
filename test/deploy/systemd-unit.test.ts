import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNIT = join(ROOT, 'deploy/systemd/agentauth.service');
/** Where the unit's comments tell the operator to put the checkout. */
const INSTALL_DIR = '/opt/agentauth';

/** systemd's own checker; .ci/run installs Debian's `systemd` package when it is missing. */
async function analyze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('systemd-analyze', args, { cwd: tmpdir() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failed.code === 'ENOENT') throw new Error('systemd-analyze is not installed: apt-get install systemd (see .ci/run)');
    return { code: Number(failed.code), stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** `Key=value` lines of the unit, every value of a repeated key kept in order. */
function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) map.set(match[1] as string, [...(map.get(match[1] as string) ?? []), match[2] as string]);
  }
  return map;
}

describe('deploy/systemd/agentauth.service', () => {
  const scratch = mkdtemp(join(tmpdir(), 'agentauth-unit-'));
  afterAll(async () => rm(await scratch, { recursive: true, force: true }));

  it('passes systemd-analyze verify without a single warning', async () => {
    const result = await analyze(['verify', UNIT]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('has systemd-analyze verify fail on a misspelt directive, so the check above can fail', async () => {
    const broken = join(await scratch, 'agentauth.service');
    await writeFile(broken, (await readFile(UNIT, 'utf8')).replace('ProtectSystem=strict', 'ProtectSystm=strict'));
    expect((await analyze(['verify', broken])).stderr).toContain("Unknown key 'ProtectSystm'");
  });

  it('is rated below 2.0 ("OK") by systemd-analyze security', async () => {
    // --threshold is on the 0-100 scale of the printed 0.0-10.0 exposure: above 20 exits non-zero.
    const result = await analyze(['security', '--offline=yes', '--threshold=20', '--no-pager', UNIT]);
    expect(result.stdout).toMatch(/Overall exposure level for agentauth\.service: 1\.\d OK/);
    expect(result.code).toBe(0);
  });

  it('runs the real CLI entry point as an unprivileged user, secrets from an EnvironmentFile', async () => {
    const unit = directives(await readFile(UNIT, 'utf8'));
    const [node, script, command] = (unit.get('ExecStart')?.[0] ?? '').split(' ');
    expect(node).toBe('/usr/bin/node');
    expect(script?.startsWith(`${INSTALL_DIR}/`)).toBe(true);
    expect(existsSync(join(ROOT, (script as string).slice(INSTALL_DIR.length + 1)))).toBe(true);
    expect(command).toBe('start');
    expect(unit.get('User')).toEqual(['agentauth']);
    expect(unit.get('EnvironmentFile')).toEqual(['/etc/agentauth/agentauth.env']);
    expect(unit.get('CapabilityBoundingSet')).toEqual(['']);
    expect(unit.get('ProtectSystem')).toEqual(['strict']);
    expect(unit.get('ReadWritePaths')).toEqual(unit.get('Environment')?.filter((e) => e.startsWith('AGENTAUTH_DATA_DIR=')).map((e) => e.split('=')[1]));
    // No secret in the unit itself: units are world-readable.
    for (const env of unit.get('Environment') ?? []) expect(env).not.toMatch(/MASTER_KEY|BOOTSTRAP_TOKEN|DATABASE_URL/);
  });
});
