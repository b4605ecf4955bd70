import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../packages/server/src/config/load-config.js';
import { SETTINGS } from '../../packages/server/src/config/schema.js';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKER = join(ROOT, 'deploy/docker');
const COMPOSE = join(DOCKER, 'compose.yaml');
/** Where the Dockerfile puts the repository inside the image. */
const IMAGE_ROOT = '/app/';

/** The secrets compose reads from `.env`, made up for the test (never real ones). */
const SECRETS = {
  AGENTAUTH_MASTER_KEY: randomBytes(32).toString('base64'),
  AGENTAUTH_BOOTSTRAP_TOKEN: randomBytes(36).toString('base64url'),
  POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
};

interface Service {
  environment?: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
  volumes?: string[];
}

/** compose.yaml as Compose reads it: YAML merge keys applied, `${VAR:?message}` interpolated. */
async function composeFile(): Promise<{ services: Record<string, Service> }> {
  const text = (await readFile(COMPOSE, 'utf8')).replace(/\$\{(\w+):\?[^}]*\}/g, (_all, name: keyof typeof SECRETS) => SECRETS[name]);
  return parse(text, { merge: true }) as { services: Record<string, Service> };
}

/** The Compose CLI of the machine: the docker plugin, else Debian's docker-compose (.ci/run installs it). */
async function composeCommand(): Promise<string[]> {
  try {
    await execFileAsync('docker', ['compose', 'version']);
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

const NODE_ONLY = new Set(['NODE_ENV']);
const SERVER_ENV = new Set(SETTINGS.map((setting) => setting.env));

describe('deploy/docker/compose.yaml', () => {
  it('is accepted by the Compose CLI, and refused without the secrets it needs', async () => {
    const [command, ...prefix] = await composeCommand();
    const env = { ...process.env, ...SECRETS };
    const { stdout } = await execFileAsync(command as string, [...prefix, '-f', COMPOSE, 'config'], { env });
    expect(stdout).toContain('node-3');
    const missing: NodeJS.ProcessEnv = { ...env };
    delete missing['AGENTAUTH_MASTER_KEY'];
    await expect(execFileAsync(command as string, [...prefix, '-f', COMPOSE, 'config', '-q'], { env: missing })).rejects.toMatchObject({ stderr: expect.stringContaining('set AGENTAUTH_MASTER_KEY') });
  });

  it('runs three nodes whose every AGENTAUTH_* variable is a server setting, and whose configuration loads', async () => {
    const { services } = await composeFile();
    const nodes = Object.entries(services).filter(([name]) => /^node-\d+$/.test(name));
    expect(nodes).toHaveLength(3);
    for (const [name, service] of [...nodes, ['migrate', services['migrate'] as Service] as const]) {
      const env = service.environment ?? {};
      for (const variable of Object.keys(env)) expect(SERVER_ENV.has(variable) || NODE_ONLY.has(variable), `${name}: ${variable}`).toBe(true);
      // The server's own validation, exactly as a node would run it at start.
      const { config } = loadConfig({ argv: [], env, cwd: ROOT });
      expect(config.issuer).toBe('https://auth.example.com');
      expect(config.databaseUrl).toMatch(/^postgres:/);
      expect(config.masterKey?.toString('base64')).toBe(SECRETS.AGENTAUTH_MASTER_KEY);
    }
  });

  it('gives every node the same issuer, master key, bootstrap token, database and Redis', async () => {
    const { services } = await composeFile();
    const shared = ['AGENTAUTH_ISSUER', 'AGENTAUTH_MASTER_KEY', 'AGENTAUTH_BOOTSTRAP_TOKEN', 'AGENTAUTH_DATABASE_URL', 'AGENTAUTH_REDIS_URL'];
    const nodes = Object.entries(services).filter(([name]) => /^node-\d+$/.test(name) || name === 'migrate');
    for (const variable of shared) {
      const values = new Set(nodes.map(([, service]) => service.environment?.[variable]));
      expect([...values], variable).toHaveLength(1);
      expect(values.has(undefined), variable).toBe(false);
    }
  });

  it('matches deploy/nginx/agentauth.conf: its upstream names the nodes, and only the proxy is trusted with certificates', async () => {
    const { services } = await composeFile();
    const nginxConf = await readFile(join(ROOT, 'deploy/nginx/agentauth.conf'), 'utf8');
    const upstream = [...nginxConf.matchAll(/^\s*server (\d+\.\d+\.\d+\.\d+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    const nodes = Object.entries(services).filter(([name]) => /^node-\d+$/.test(name));
    expect(nodes.map(([, s]) => `${s.networks?.['agentauth']?.ipv4_address}:${s.environment?.['AGENTAUTH_PORT']}`).sort()).toEqual(upstream.sort());
    const proxy = services['nginx']?.networks?.['agentauth']?.ipv4_address;
    for (const [, node] of nodes) {
      expect(node.environment?.['AGENTAUTH_MTLS_TRUSTED_PROXIES']).toBe(proxy);
      expect(nginxConf).toContain(`proxy_set_header ${node.environment?.['AGENTAUTH_MTLS_PROXY_HEADER']} $ssl_client_escaped_cert;`);
    }
    const mounted = services['nginx']?.volumes?.find((volume) => volume.includes('agentauth.conf'))?.split(':')[0] as string;
    expect(existsSync(join(DOCKER, mounted))).toBe(true);
  });
});

describe('deploy/docker/Dockerfile', () => {
  it('builds on node:20-bookworm-slim in two stages and runs the real CLI as a non-root user with a health check', async () => {
    const dockerfile = await readFile(join(DOCKER, 'Dockerfile'), 'utf8');
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/readyz/m);
    // Every file the image runs exists in the repository at the path the image gives it.
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    const { services } = await composeFile();
    for (const path of [entrypoint[1], services['migrate']?.entrypoint?.[1]]) {
      expect(path?.startsWith(IMAGE_ROOT)).toBe(true);
      expect(existsSync(join(ROOT, (path as string).slice(IMAGE_ROOT.length))), path).toBe(true);
    }
    // Every COPY source from the build context exists, so the build cannot fail on a moved file.
    for (const match of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      const sources = (match[1] as string).split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1);
      for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
  });
});
