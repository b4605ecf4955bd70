import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

const cwd = mkdtempSync(join(tmpdir(), 'agentauth-config-file-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

let count = 0;
/** Writes a config file in cwd and returns its relative name, as an operator would pass it. */
function file(text: string): string {
  const name = `config-${++count}.yaml`;
  writeFileSync(join(cwd, name), text);
  return name;
}

function loadFile(name: string) {
  return loadConfig({ argv: ['--config', name], env: {}, cwd });
}

function problemsOf(name: string, ...moreArgv: string[]): string[] {
  try {
    loadConfig({ argv: ['--config', name, ...moreArgv], env: {}, cwd });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('YAML config file', () => {
  it('reads kebab-case keys, YAML numbers and lists, and quoted numbers', () => {
    const name = file(
      [
        '# agentauth',
        'host: 0.0.0.0',
        'port: "9443"',
        'issuer: https://auth.example.com',
        'data-dir: state',
        'access-token-ttl: 600',
        'trusted-proxies:',
        '  - 10.0.0.0/8',
        '  - ::1',
        'redis-url:',
      ].join('\n'),
    );
    const { config, warnings } = loadFile(name);
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9443,
      issuer: 'https://auth.example.com',
      dataDir: join(cwd, 'state'),
      accessTokenTtl: 600,
      trustedProxies: ['10.0.0.0/8', '::1'],
      redisUrl: undefined,
    });
    expect(warnings).toEqual([]);
  });

  it('accepts an empty file', () => {
    expect(loadFile(file('')).config.port).toBe(8080);
    expect(loadFile(file('# nothing yet\n')).config.port).toBe(8080);
  });

  it('refuses unknown keys, naming the line and the intended key', () => {
    const name = file('port: 9000\ndataDir: /srv\ncolour: blue\n');
    expect(problemsOf(name)).toEqual([`${name}:2: "dataDir" is not a setting (did you mean data-dir?)`, `${name}:3: "colour" is not a setting`]);
  });

  it('refuses a value of the wrong type, naming file, line and key', () => {
    const name = file('port: 9000\nworkers: [1, 2]\nhost: 12\ntrusted-proxies: {a: b}\n');
    expect(problemsOf(name)).toEqual([
      `${name}:2: workers: must be an integer between 1 and 64 (got a YAML list)`,
      `${name}:3: host: must be a string (quote it in YAML) (got 12)`,
      `${name}:4: trusted-proxies: must be a comma-separated list of IP addresses and CIDR blocks (a string or a YAML list) (got a YAML mapping)`,
    ]);
  });

  it('refuses a duplicate key', () => {
    const name = file('port: 9000\nport: 9001\n');
    expect(problemsOf(name)).toEqual([expect.stringMatching(new RegExp(`^${name}:2:\\d+: invalid YAML: Map keys must be unique`))]);
  });

  it('reports a YAML syntax error by position without quoting the file', () => {
    const secret = 'c2VjcmV0LWluLWEtYnJva2VuLWZpbGUtMDEyMzQ1Njc=';
    // The parser's own message quotes this line, secret included, as context.
    const name = file(`port: 9000\nmaster-key: ${secret}: x\n`);
    const problems = problemsOf(name);
    expect(problems).toEqual([`${name}:2:13: invalid YAML: Nested mappings are not allowed in compact mappings`]);
  });

  it('refuses a document that is not a mapping', () => {
    const name = file('- port\n- 9000\n');
    expect(problemsOf(name)).toEqual([`${name}: must be a YAML mapping of setting names to values`]);
  });

  it('refuses several documents in one file', () => {
    const name = file('port: 9000\n---\nport: 9001\n');
    expect(problemsOf(name)).toEqual([`${name}:2:1: invalid YAML: a config file holds one YAML document`]);
  });

  it('refuses alias expansion bombs', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const name = file(`${lines.join('\n')}\n`);
    expect(problemsOf(name)).toContain(`${name}: invalid YAML: too many alias references`);
  });

  it('reports a file that cannot be read, with the other problems', () => {
    mkdirSync(join(cwd, 'a-directory.yaml'));
    expect(problemsOf('missing.yaml', '--port', 'x')).toEqual(['missing.yaml: cannot read config file (ENOENT)', '--port: must be an integer between 1 and 65535 (got "x")']);
    expect(problemsOf('a-directory.yaml')).toEqual(['a-directory.yaml: config file is not a regular file']);
  });

  it('refuses an oversized file before reading it', () => {
    const name = file(`# ${'x'.repeat(300 * 1024)}\n`);
    expect(problemsOf(name)).toEqual([`${name}: config file is larger than 262144 bytes`]);
  });

  it('never quotes a secret written in the file', () => {
    const name = file('master-key: not-base64-but-secret\nbootstrap-token: 12345\n');
    const problems = problemsOf(name);
    expect(problems).toEqual([
      `${name}:1: master-key: must be exactly 32 bytes in standard base64 (RFC 4648 §4), e.g. the output of \`openssl rand -base64 32\` (value not shown: secret)`,
      `${name}:2: bootstrap-token: must be a string (quote it in YAML) (value not shown: secret)`,
    ]);
  });
});
