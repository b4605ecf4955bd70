import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The door a user of the published packages comes through: `npm pack` each package, install the
 * tarballs with npm into a project outside the workspace (no workspace links), and use them there
 * from an ES module, a CommonJS module, the TypeScript compiler and `npx`. The consumer's files are
 * in ./consumer/.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const consumerFiles = fileURLToPath(new URL('./consumer/', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const PACKAGES = ['protocol', 'client', 'resource-server', 'server', 'cli'] as const;
const COMMANDS: Record<string, string> = { server: 'agentauth-server', cli: 'agentauth' };
const MINUTES = 60_000;

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  exports?: Record<string, { types?: string; default?: string }>;
  typesVersions?: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
  publishConfig?: { access?: string };
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion. `npm test` exports npm's own settings (npm_config_local_prefix is
 * this workspace), and the consumer's npm must not inherit them: it would install into the
 * workspace. Only the cache and registry settings are kept, so the warm cache still serves.
 */
function run(cwd: string, command: string, args: string[]): Promise<Outcome> {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) || keep.has(name.toLowerCase())));
  delete env.INIT_CWD;
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function succeed(cwd: string, command: string, args: string[]): Promise<string> {
  const outcome = await run(cwd, command, args);
  if (outcome.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${outcome.code}\n${outcome.stdout}\n${outcome.stderr}`);
  return outcome.stdout;
}

let project: string;
let packed: PackResult[];
const installed = (name: string, file: string) => join(project, 'node_modules', name, file);
const manifest = async (name: string): Promise<Manifest> => JSON.parse(await readFile(installed(name, 'package.json'), 'utf8')) as Manifest;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'agentauth-packed-'));
  const workspaces = PACKAGES.flatMap((name) => ['--workspace', `@agentauth/${name}`]);
  packed = JSON.parse(await succeed(root, 'npm', ['pack', '--json', '--pack-destination', project, ...workspaces])) as PackResult[];

  // The third-party versions of this repository's lockfile: npm's cache already holds them.
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const locked = (name: string) => `${name}@${lock.packages[`node_modules/${name}`]!.version}`;
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'agentauth-consumer', private: true, type: 'module' }));
  for (const file of await readdir(consumerFiles)) await copyFile(join(consumerFiles, file), join(project, file));
  // @langchain/core is the optional peer of @agentauth/client/langchain, installed as an app that
  // uses it would; the MCP SDK is left out on purpose: /mcp must load without it.
  // --ignore-scripts: the server's SQLite driver would otherwise compile from source for minutes
  // here; loading the driver is the server's own tests' business, not the packaging's.
  await succeed(project, 'npm', [
    'install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts',
    ...packed.map((tarball) => `./${tarball.filename}`),
    locked('hono'), locked('@types/node'), locked('@langchain/core'), locked('zod'),
  ]);
}, 10 * MINUTES);

afterAll(async () => {
  if (project !== undefined) await rm(project, { recursive: true, force: true });
});

describe('the tarballs', () => {
  it('hold only the build, the README, the LICENSE and package.json (no source maps, tests or build info)', () => {
    for (const tarball of packed) {
      const name = tarball.name.replace('@agentauth/', '');
      const paths = tarball.files.map((file) => file.path);
      const allowed = (path: string) =>
        ['package.json', 'README.md', 'LICENSE'].includes(path) ||
        (path.startsWith('dist/') && /\.(js|d\.ts)$/.test(path) && !/\.test\.|\.map$/.test(path)) ||
        (COMMANDS[name] !== undefined && path === `bin/${COMMANDS[name]}.js`);
      expect(paths.filter((path) => !allowed(path)), tarball.name).toEqual([]);
      expect(paths, tarball.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
    }
    expect(packed.map((tarball) => tarball.name).sort()).toEqual(PACKAGES.map((name) => `@agentauth/${name}`).sort());
  });

  it("carry the repository's LICENSE, public and unprivate manifests, and ranges on each other that the packed versions satisfy", async () => {
    const license = await readFile(join(root, 'LICENSE'), 'utf8');
    const versions = new Map(packed.map((tarball) => [tarball.name, tarball.version]));
    for (const { name } of packed) {
      const packedManifest = await manifest(name);
      expect(await readFile(installed(name, 'LICENSE'), 'utf8'), name).toBe(license);
      expect(packedManifest, name).toMatchObject({ license: 'Apache-2.0', publishConfig: { access: 'public' } });
      expect(packedManifest.private, name).toBeUndefined();
      const siblings = Object.entries(packedManifest.dependencies ?? {}).filter(([dependency]) => dependency.startsWith('@agentauth/'));
      for (const [dependency, range] of siblings) expect(range, `${name} -> ${dependency}`).toBe(`^${versions.get(dependency)}`);
    }
  });

  it('point every export and typesVersions entry at a file that is in the tarball, with types for each subpath', async () => {
    for (const { name, files } of packed) {
      const packedManifest = await manifest(name);
      const inTarball = new Set(files.map((file) => `./${file.path}`));
      const targets = Object.values(packedManifest.exports ?? {}).flatMap((entry) => {
        expect(entry.types, `${name}: an exports entry without types`).toBeDefined();
        return [entry.types, entry.default];
      });
      const typesVersions = Object.values(packedManifest.typesVersions?.['*'] ?? {}).flat();
      for (const target of [...targets, ...typesVersions]) expect(inTarball.has(target ?? ''), `${name}: ${target}`).toBe(true);
      // node10 sees no exports map: every subpath needs its typesVersions entry.
      const subpaths = Object.keys(packedManifest.exports ?? {}).filter((subpath) => subpath !== '.').map((subpath) => subpath.slice(2));
      expect(Object.keys(packedManifest.typesVersions?.['*'] ?? {}).sort(), name).toEqual(subpaths.sort());
    }
  });

  it('install without workspace links: one copy of each agentauth package and of hono, each from its tarball', async () => {
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; link?: boolean }> };
    const copies = (name: string) => Object.keys(lock.packages).filter((path) => path.endsWith(`node_modules/${name}`));
    for (const { name, filename } of packed) {
      expect(copies(name), name).toEqual([`node_modules/${name}`]);
      expect(lock.packages[`node_modules/${name}`], name).toMatchObject({ resolved: `file:${filename}` });
      expect(lock.packages[`node_modules/${name}`]?.link, name).toBeUndefined();
    }
    expect(copies('hono')).toEqual(['node_modules/hono']);
  });
});

describe('the installed packages', () => {
  it('let an ES module agent obtain a token with @agentauth/client that @agentauth/resource-server verifies', async () => {
    const output = JSON.parse(await succeed(project, process.execPath, ['agent.mjs'])) as unknown;
    expect(output).toEqual({
      principal: { agentId: 'agt_packed', clientId: 'agt_packed', scopes: ['orders:read'], binding: 'bearer' },
      forged: { isVerificationError: true, status: 401, error: 'invalid_token' },
    });
  });

  it('load @agentauth/client/mcp without the MCP SDK, and make LangChain tools of the project\'s own @langchain/core', async () => {
    const output = JSON.parse(await succeed(project, process.execPath, ['integrations.mjs'])) as unknown;
    expect(output).toEqual({
      mcpSdkInstalled: false,
      mcp: { fetch: 'function', elsewhere: 'TypeError' },
      langchain: { name: 'list_orders', structuredTool: true },
    });
  });

  it('load with require() in a CommonJS service, as the same modules an import gets', async () => {
    const outcome = await run(project, process.execPath, ['service.cjs']);
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    const output = JSON.parse(outcome.stdout) as { status: number; challenge: string; metadataPath: string; sameErrorClass: boolean };
    expect(output).toMatchObject({ status: 401, metadataPath: '/.well-known/oauth-protected-resource', sameErrorClass: true });
    expect(output.challenge).toMatch(/^Bearer /);
  });

  it('type-check under moduleResolution node16, bundler and node10, and from CommonJS under nodenext', async () => {
    const modes = ['node16', 'bundler', 'node10', 'nodenext-require'];
    const outcomes = await Promise.all(modes.map((mode) => run(project, process.execPath, [tsc, '-p', `tsconfig.${mode}.json`])));
    const failures = Object.fromEntries(modes.map((mode, i) => [mode, outcomes[i]!.code === 0 ? 'ok' : outcomes[i]!.stdout + outcomes[i]!.stderr]));
    expect(failures).toEqual(Object.fromEntries(modes.map((mode) => [mode, 'ok'])));
  }, 10 * MINUTES);

  it('run `npx agentauth --version`, which prints the packed version', async () => {
    const cli = packed.find((tarball) => tarball.name === '@agentauth/cli')!;
    expect((await succeed(project, 'npx', ['--no', '--', 'agentauth', '--version'])).trim()).toBe(`agentauth ${cli.version}`);
  });
});
