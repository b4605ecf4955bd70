import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lookalikeText, managedKey, privateKeyPem, randomText, vendorSecrets, type PlantedSecret } from './helpers/planted-secrets.js';
import { CLI, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const execFileAsync = promisify(execFile);
const BOOTSTRAP = 'scan-process-bootstrap-token-0123456789abcdef';
/** Small, so the "large file" of the test stays small too. */
const MAX_FILE_SIZE = '65536';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI as a real process, without any inherited AGENTAUTH_* variable. */
async function agentauth(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
  try {
    const { stdout, stderr } = await execFileAsync('node', [CLI, ...args], { cwd, env: { ...clean, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const GIT_ENV = { GIT_AUTHOR_NAME: 'Scan Test', GIT_AUTHOR_EMAIL: 'scan@example.com', GIT_COMMITTER_NAME: 'Scan Test', GIT_COMMITTER_EMAIL: 'scan@example.com', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd, env: { ...process.env, ...GIT_ENV } });
  return stdout.trim();
}

async function put(root: string, path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

interface FindingJson {
  rule: string;
  kind: string;
  path: string;
  line: number;
  column: number;
  source: string;
  commit?: string;
  fingerprint: string;
  redacted: string;
  status?: string;
  key_id?: string;
  revoked?: boolean;
}
interface ScanJson {
  findings: FindingJson[];
  skipped: { path: string; source: string; commit?: string; reason: string; size?: number }[];
  summary: Record<string, unknown> & { findings: number; verification?: Record<string, number> };
}

/**
 * A git repository whose history holds planted secrets of each kind, most of them deleted by a
 * later commit so that only the history has them, one on a branch that is not checked out, a
 * binary file and a large file that hold a key but must be skipped, and look-alikes that must
 * not match; and a server process that issued two of the managed keys.
 */
describe('agentauth scan as a process, on a generated repository', () => {
  let server: ServerProcess;
  let repo: string;
  let liveKey: string;
  let liveKeyId: string;
  let revokedKey: string;
  const unknownKey = managedKey();
  const vendors: PlantedSecret[] = vendorSecrets();
  const pem = privateKeyPem();
  const hiddenKeys = [managedKey(), managedKey()];
  const commits: string[] = [];
  const outputs: string[] = [];
  const admin = () => ({ AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });
  const scan = async (args: string[], env: Record<string, string> = {}, cwd = repo) => {
    const run = await agentauth(['scan', ...args], cwd, env);
    outputs.push(run.stdout, run.stderr);
    return run;
  };
  const scanJson = async (args: string[] = [], env: Record<string, string> = {}) => {
    const run = await scan(['--json', '--max-file-size', MAX_FILE_SIZE, ...args], env);
    return { ...run, report: JSON.parse(run.stdout) as ScanJson };
  };

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    const cli = async (...args: string[]) => {
      const run = await agentauth(args, server.workDir, admin());
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    const agent = (await cli('--json', 'agents', 'create', '--name', 'scan-bot', '--owner', 'team-scan', '--scope', 'orders:read', '--resource', 'https://api.example.com', '--auth-method', 'client_secret_basic')) as { agent: { id: string } } & { id?: string };
    const agentId = agent.agent?.id ?? (agent.id as string);
    const live = (await cli('--json', 'api-keys', 'create', agentId, '--ttl', '86400')) as { api_key: { id: string }; key: string };
    const revoked = (await cli('--json', 'api-keys', 'create', agentId, '--ttl', '86400')) as { api_key: { id: string }; key: string };
    await cli('--json', 'api-keys', 'revoke', revoked.api_key.id);
    [liveKey, liveKeyId, revokedKey] = [live.key, live.api_key.id, revoked.key];

    repo = await mkdtemp(join(tmpdir(), 'agentauth-scan-'));
    await git(repo, 'init', '-q', '-b', 'main');
    await put(repo, 'config/.env', ['# service configuration', `AGENTAUTH_API_KEY=${liveKey}`, ...vendors.map((v) => v.line), ''].join('\n'));
    await put(repo, 'deploy/id_rsa', pem);
    await put(repo, 'assets/logo.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from(`key=${hiddenKeys[0]}\n`)]));
    await put(repo, 'notes/lookalikes.md', lookalikeText());
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'add the service configuration');
    commits.push(await git(repo, 'rev-parse', 'HEAD'));
    // A later version of the same file: the secrets in it are not reported again.
    await put(repo, 'config/.env', ['# service configuration', `AGENTAUTH_API_KEY=${liveKey}`, ...vendors.map((v) => v.line), 'DEBUG=1', ''].join('\n'));
    await git(repo, 'commit', '-qam', 'debug on');
    commits.push(await git(repo, 'rev-parse', 'HEAD'));
    await git(repo, 'rm', '-q', 'config/.env', 'deploy/id_rsa');
    await put(repo, 'big/dump.log', `${randomText(70_000)}\nkey=${hiddenKeys[1]}\n`);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'remove the secrets, add a dump');
    commits.push(await git(repo, 'rev-parse', 'HEAD'));
    await git(repo, 'checkout', '-q', '-b', 'feature');
    await put(repo, 'ci/deploy.yml', `steps:\n  - run: deploy\n    env:\n      KEY: ${revokedKey}\n`);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'deploy from CI');
    commits.push(await git(repo, 'rev-parse', 'HEAD'));
    await git(repo, 'checkout', '-q', 'main');
    // Not committed: only the working tree has it.
    await put(repo, 'local.env', `KEY=${unknownKey}\n`);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (repo !== undefined) await rm(repo, { recursive: true, force: true });
  });

  const expectedFindings = () =>
    [
      `history config/.env agentauth-api-key ${commits[0]}`,
      ...vendors.map((v) => `history config/.env ${v.rule} ${commits[0]}`),
      `history deploy/id_rsa secretlint/privatekey ${commits[0]}`,
      `history ci/deploy.yml agentauth-api-key ${commits[3]}`,
      'worktree local.env agentauth-api-key -',
    ].sort();
  const described = (report: ScanJson) => report.findings.map((f) => `${f.source} ${f.path} ${f.rule} ${f.commit ?? '-'}`).sort();

  it('--json: finds each planted secret once, where it was introduced, and nothing in binaries, large files or look-alikes', async () => {
    const { code, report, stderr } = await scanJson();
    expect(code).toBe(1);
    expect(JSON.parse(stderr)).toMatchObject({ error: { code: 'secrets_found', exit_code: 1 } });
    expect(described(report)).toEqual(expectedFindings());
    const key = report.findings.find((f) => f.path === 'config/.env' && f.kind === 'managed-key');
    expect(key).toMatchObject({ line: 2, column: 19, redacted: `aak_…${liveKey.slice(-4)}` });
    expect(report.skipped.map((s) => `${s.source} ${s.path} ${s.reason} ${s.commit ?? '-'}`).sort()).toEqual(
      [`history assets/logo.png binary ${commits[0]}`, `history big/dump.log too-large ${commits[2]}`, 'worktree assets/logo.png binary -', 'worktree big/dump.log too-large -'].sort(),
    );
    expect(report.summary).toMatchObject({ findings: expectedFindings().length, allowed: 0, files: 4, commits: 4, blobs: 7, skipped: 4, lookalikes: 6, history: 'scanned', truncated: false });
  });

  it('prints a report for people: where, which commit, the rule and the redacted secret, then the skipped files', async () => {
    const { code, stdout, stderr } = await scan(['--max-file-size', MAX_FILE_SIZE]);
    expect(code).toBe(1);
    expect(stdout).toContain(`config/.env:2:19  commit ${commits[0]?.slice(0, 12)}  agentauth-api-key  aak_…${liveKey.slice(-4)}  fp `);
    expect(stdout).toContain(`local.env:1:5  worktree  agentauth-api-key  aak_…${unknownKey.slice(-4)}`);
    expect(stdout).toContain('skipped big/dump.log: too-large');
    expect(stdout).toContain('skipped assets/logo.png: binary');
    expect(stdout).toMatch(new RegExp(`^${expectedFindings().length} findings \\(0 allowed\\); 4 files, 4 commits, 7 blobs; 4 skipped; 6 aak_ look-alikes ignored`, 'm'));
    expect(stderr).toContain('secrets found');
  });

  it('--sarif: a SARIF 2.1.0 log whose results point at their rules and locations', async () => {
    const { code, stdout } = await scan(['--sarif', '--max-file-size', MAX_FILE_SIZE]);
    expect(code).toBe(1);
    const log = JSON.parse(stdout) as { $schema: string; version: string; runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: Record<string, unknown>[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    const [run] = log.runs;
    const ids = run!.tool.driver.rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(run!.tool.driver.name).toBe('agentauth scan');
    expect(run!.results).toHaveLength(expectedFindings().length);
    for (const result of run!.results as { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[]; partialFingerprints: Record<string, string> }[]) {
      expect(ids[result.ruleIndex]).toBe(result.ruleId);
      expect(result.level).toBe('error');
      expect(result.message.text.length).toBeGreaterThan(0);
      expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/^[\w./-]+$/);
      expect(result.locations[0]!.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      expect(result.partialFingerprints['agentauthSecret/v1']).toMatch(/^[0-9a-f]{24}$/);
    }
  });

  it('skips what the allow-list names, by fingerprint or path glob, and says how many', async () => {
    const { report } = await scanJson();
    const local = report.findings.find((f) => f.path === 'local.env')!;
    await writeFile(join(repo, '.agentauth-scan-allow'), `# accepted\n${local.fingerprint}\ndeploy/**\n*.png\n`);
    try {
      const allowed = await scanJson();
      expect(described(allowed.report)).toEqual(expectedFindings().filter((line) => !line.includes('local.env') && !line.includes('deploy/id_rsa')));
      expect(allowed.report.summary).toMatchObject({ allowed: 2, skipped: 2 });
    } finally {
      await unlink(join(repo, '.agentauth-scan-allow'));
    }
    const named = join(server.workDir, 'allow.txt');
    await writeFile(named, 'config/.env\n');
    expect((await scanJson(['--allow', named])).report.findings.some((f) => f.path === 'config/.env')).toBe(false);
    expect((await scan(['--allow', join(server.workDir, 'missing.txt')])).code).toBe(2);
  });

  it('--progress prints the counts on stderr; --no-history and --history-only split the scan', async () => {
    const progress = await scan(['--progress', '--max-file-size', MAX_FILE_SIZE]);
    expect(progress.stderr).toContain(`scan done: 4 files, 4 commits, 7 blobs, ${expectedFindings().length} findings, 4 skipped`);
    expect(described((await scanJson(['--no-history'])).report)).toEqual(['worktree local.env agentauth-api-key -']);
    expect((await scanJson(['--history-only'])).report.findings.every((f) => f.source === 'history')).toBe(true);
  });

  it('exits 0 on a clean tree, scans a directory outside git without its history, and exits 2 on usage errors', async () => {
    const clean = await mkdtemp(join(tmpdir(), 'agentauth-scan-clean-'));
    try {
      await git(clean, 'init', '-q', '-b', 'main');
      await put(clean, 'README.md', lookalikeText());
      await git(clean, 'add', '-A');
      await git(clean, 'commit', '-qm', 'docs');
      const ok = await scan([clean]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^0 findings \(0 allowed\); 1 files, 1 commits, 1 blobs; 0 skipped/m);
      expect(ok.stderr).toBe('');
      const plain = await mkdtemp(join(tmpdir(), 'agentauth-scan-plain-'));
      try {
        await put(plain, 'key.txt', `${unknownKey}\n`);
        const outside = await scan(['--json', plain], {}, tmpdir());
        expect(outside.code).toBe(1);
        expect((JSON.parse(outside.stdout) as ScanJson).summary).toMatchObject({ findings: 1, history: 'not-a-repository' });
      } finally {
        await rm(plain, { recursive: true, force: true });
      }
    } finally {
      await rm(clean, { recursive: true, force: true });
    }
    expect((await scan(['--json', '--sarif'])).code).toBe(2);
    expect((await scan([join(repo, 'no-such-dir')])).code).toBe(2);
    expect((await scan(['--no-history', '--history-only'])).code).toBe(2);
    const noToken = await scan(['--verify']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('no admin token');
  });

  it('--verify asks the server about each managed key: live, revoked or unknown', async () => {
    const { code, report } = await scanJson(['--verify'], admin());
    expect(code).toBe(1);
    const status = (path: string) => report.findings.find((f) => f.path === path && f.kind === 'managed-key');
    expect(status('config/.env')).toMatchObject({ status: 'live', key_id: liveKeyId });
    expect(status('ci/deploy.yml')).toMatchObject({ status: 'revoked', key_id: expect.stringMatching(/^ak_/) });
    expect(status('local.env')).toMatchObject({ status: 'unknown' });
    expect(status('local.env')?.key_id).toBeUndefined();
    expect(report.summary.verification).toEqual({ checked: 3, live: 1, revoked: 1, expired: 0, unknown: 1, revokedNow: 0 });
    const human = await scan(['--verify', '--max-file-size', MAX_FILE_SIZE], admin());
    expect(human.stdout).toContain(`[live ${liveKeyId}]`);
    expect(human.stdout).toContain('managed keys checked with the server: 3 (1 live, 1 revoked, 0 expired, 1 unknown)');
  });

  it('--revoke revokes the live key it found, and the server audits it', async () => {
    const { code, report } = await scanJson(['--revoke'], admin());
    expect(code).toBe(1);
    expect(report.findings.find((f) => f.path === 'config/.env' && f.kind === 'managed-key')).toMatchObject({ status: 'revoked', key_id: liveKeyId, revoked: true });
    expect(report.summary.verification).toMatchObject({ checked: 3, live: 0, revoked: 2, revokedNow: 1 });
    const shown = await agentauth(['--json', 'api-keys', 'show', liveKeyId], server.workDir, admin());
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: liveKeyId, status: 'revoked' });
    const audit = await agentauth(['--json', 'audit', 'tail', '--event', 'api_key.revoked'], server.workDir, admin());
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain(liveKeyId);
    // Nothing live is left: a second run revokes nothing.
    expect((await scanJson(['--revoke'], admin())).report.summary.verification).toMatchObject({ live: 0, revokedNow: 0 });
  });

  it('never prints a secret in full, in any output of any run above', () => {
    expect(outputs.length).toBeGreaterThan(20);
    const all = outputs.join('\n');
    const secrets = [liveKey, revokedKey, unknownKey, ...hiddenKeys, ...vendors.map((v) => v.secret)];
    for (const secret of secrets) {
      const middle = secret.slice(Math.floor(secret.length / 2) - 6, Math.floor(secret.length / 2) + 6);
      expect(all.includes(middle), `${secret.slice(0, 4)}…`).toBe(false);
    }
    const pemBody = pem.split('\n')[3]!;
    expect(pemBody.length).toBeGreaterThan(40);
    expect(all.includes(pemBody)).toBe(false);
  });
});

describe('agentauth scan on merges and subdirectories', () => {
  let repo: string;
  const key = managedKey();

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'agentauth-scan-merge-'));
    await git(repo, 'init', '-q', '-b', 'main');
    await put(repo, 'app/settings.txt', 'mode=base\n');
    await put(repo, 'other/readme.md', 'nothing\n');
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'base');
    await git(repo, 'checkout', '-q', '-b', 'side');
    await put(repo, 'app/settings.txt', 'mode=side\n');
    await git(repo, 'commit', '-qam', 'side');
    await git(repo, 'checkout', '-q', 'main');
    await put(repo, 'app/settings.txt', 'mode=main\n');
    await git(repo, 'commit', '-qam', 'main');
    await git(repo, 'merge', '-q', 'side').catch(() => undefined);
    // The key exists only in the merge's resolution of the conflict, then is removed.
    await put(repo, 'app/settings.txt', `mode=merged\nKEY=${key}\n`);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'merge side');
    await put(repo, 'app/settings.txt', 'mode=merged\n');
    await git(repo, 'commit', '-qam', 'drop the key');
  }, 60_000);

  afterAll(async () => {
    if (repo !== undefined) await rm(repo, { recursive: true, force: true });
  });

  it('finds a key that only a merge commit introduced, and counts the merge once', async () => {
    const merge = await git(repo, 'rev-parse', 'HEAD~1');
    const run = await agentauth(['scan', '--json', '--history-only'], repo);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ScanJson;
    expect(report.findings.map((f) => `${f.path} ${f.commit}`)).toEqual([`app/settings.txt ${merge}`]);
    expect(report.summary).toMatchObject({ commits: 5 });
    expect(run.stdout).not.toContain(key);
  });

  it('scans PATH a subdirectory: its files and its history only, with paths relative to it', async () => {
    const app = await agentauth(['scan', '--json', 'app'], repo);
    expect((JSON.parse(app.stdout) as ScanJson).findings.map((f) => `${f.source} ${f.path}`)).toEqual(['history settings.txt']);
    const other = await agentauth(['scan', 'other'], repo);
    expect(other.code).toBe(0);
    // Only the commits that touched PATH are walked.
    expect(other.stdout).toMatch(/^0 findings \(0 allowed\); 1 files, 1 commits, 1 blobs; 0 skipped/m);
  });
});
