import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, type LoadConfigInput } from '../../src/config/load-config.js';

const cwd = mkdtempSync(join(tmpdir(), 'agentauth-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const BOOTSTRAP_TOKEN = 'bootstrap-token-0123456789abcdefghijklmnop';

function load(input: Partial<LoadConfigInput> = {}) {
  return loadConfig({ argv: [], env: {}, cwd, ...input });
}

/** The problems of a configuration that must be refused. */
function problemsOf(input: Partial<LoadConfigInput>): string[] {
  try {
    load(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function yamlFile(name: string, text: string): string {
  const path = join(cwd, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig defaults', () => {
  it('gives every default when nothing is configured', () => {
    const { config, warnings } = load();
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8080,
      issuer: 'http://127.0.0.1:8080',
      dataDir: join(cwd, '.agentauth'),
      databaseUrl: undefined,
      masterKey: undefined,
      bootstrapToken: undefined,
      accessTokenTtl: 300,
      apiKeyMaxTtl: 7_776_000,
      keyCutoverWebhook: undefined,
      keyCutoverWebhookSecret: undefined,
      keyCutoverAllowPrivateWebhook: false,
      defaultResource: undefined,
      signingAlg: 'ES256',
      keyRotationInterval: 30 * 86_400,
      redisUrl: undefined,
      redisKeyPrefix: 'agentauth:',
      workers: 1,
      auditFlushInterval: 0,
      auditCheckpointInterval: 3600,
      auditCheckpointDir: undefined,
      auditCheckpointWebhook: undefined,
      auditCheckpointWebhookAllowPrivate: false,
      siemFile: undefined,
      siemSyslog: undefined,
      siemSyslogCaFile: undefined,
      siemSyslogHostname: '127.0.0.1',
      siemWebhook: undefined,
      siemWebhookSecret: undefined,
      siemWebhookAllowPrivate: false,
      siemBatchSize: 100,
      siemPollInterval: 1000,
      logLevel: 'info',
      trustedProxies: [],
      trustDomain: '127.0.0.1',
      certificateTtl: 3600,
      caIntermediateTtl: 2592000,
      federationAllowPrivateNetworks: false,
      loginProvidersAllowPrivateNetworks: false,
      clientMetadataAllowPrivateNetworks: false,
      federationCaFile: undefined,
      signalsAllowPrivateReceivers: false,
      ssfStreamIdleTtl: 86400,
      maxDelegationDepth: 4,
      policyTimeZone: 'UTC',
      dpopNonce: 'off',
      dpopNonceSecret: undefined,
      dpopNonceLifetime: 300,
      mtlsPort: 8443,
      mtlsHost: '127.0.0.1',
      mtlsUrl: 'https://127.0.0.1:8443',
      mtlsCertFile: undefined,
      mtlsKeyFile: undefined,
      mtlsTrustAnchors: undefined,
      mtlsProxyHeader: undefined,
      mtlsTrustedProxies: [],
      rateLimits: 'on',
      rateLimitWindow: 60,
      rateLimitAddressFailures: 100,
      rateLimitClientFailures: 20,
      rateLimitAdminFailures: 10,
      rateLimitLoginFailures: 20,
      loginLockoutFailures: 5,
      loginLockoutDuration: 900,
      sessionIdleTimeout: 1800,
      sessionMaxAge: 43_200,
      authorizationResources: [],
      openPublicClientRegistration: false,
      approvalScopes: [],
      approvalTypesFile: undefined,
      approvalExpiry: 300,
      approvalPollInterval: 5,
      approvalTokenTtl: 60,
      approvalSeparationOfDuties: false,
      approvalApproverGroups: [],
      approvalWebhook: undefined,
      approvalWebhookSecret: undefined,
      approvalAllowPrivateCallbacks: false,
      anomalyDetection: false,
      anomalyLearningPeriod: 604_800,
      anomalyThresholdsFile: undefined,
      anomalyQueueSize: 10_000,
      anomalyWebhook: undefined,
      anomalyWebhookSecret: undefined,
      anomalyWebhookSeverity: 'medium',
      anomalySignalSeverity: 'medium',
      anomalySuspendSeverity: 'off',
      anomalyAllowPrivateWebhook: false,
      metrics: 'on',
      metricsToken: undefined,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
    });
    expect(warnings).toEqual([]);
  });

  it('derives the default issuer from the host and port actually configured', () => {
    expect(load({ argv: ['--port', '9000'] }).config.issuer).toBe('http://127.0.0.1:9000');
    expect(load({ env: { AGENTAUTH_HOST: '::1' } }).config.issuer).toBe('http://[::1]:8080');
    expect(load({ env: { AGENTAUTH_HOST: 'localhost', AGENTAUTH_PORT: '81' } }).config.issuer).toBe('http://localhost:81');
  });

  it('refuses the derived http issuer of a non-loopback host and says to set AGENTAUTH_ISSUER', () => {
    const problems = problemsOf({ env: { AGENTAUTH_HOST: '0.0.0.0' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^AGENTAUTH_ISSUER: not set, and its default "http:\/\/0\.0\.0\.0:8080".*must use https.*set AGENTAUTH_ISSUER/);
    expect(load({ env: { AGENTAUTH_HOST: '0.0.0.0', AGENTAUTH_ISSUER: 'https://auth.example.com' } }).config.issuer).toBe('https://auth.example.com');
  });

  it('opens no group-commit window for one process on SQLite, 2 ms when processes share the database', () => {
    expect(load().config.auditFlushInterval).toBe(0);
    expect(load({ argv: ['--workers', '2'] }).config.auditFlushInterval).toBe(2);
    expect(load({ env: { AGENTAUTH_DATABASE_URL: 'postgres://db.example.com/agentauth' } }).config.auditFlushInterval).toBe(2);
    expect(load({ argv: ['--workers', '2', '--audit-flush-interval', '0'] }).config.auditFlushInterval).toBe(0);
  });

  it('derives nothing from a refused value, so only that value is reported', () => {
    expect(problemsOf({ env: { AGENTAUTH_HOST: '0.0.0.0' }, argv: ['--port', 'abc'] })).toEqual(['--port: must be an integer between 1 and 65535 (got "abc")']);
  });
});

describe('loadConfig precedence: defaults < file < environment < flags', () => {
  const file = yamlFile('precedence.yaml', 'port: 1001\nworkers: 3\nlog-level: warn\naccess-token-ttl: 60\n');

  it('takes each layer over the one below it', () => {
    const env = { AGENTAUTH_CONFIG: file, AGENTAUTH_PORT: '1002', AGENTAUTH_LOG_LEVEL: 'debug' };
    expect(load({ env: {} }).config.port).toBe(8080);
    expect(load({ env: { AGENTAUTH_CONFIG: file } }).config.port).toBe(1001);
    expect(load({ env }).config.port).toBe(1002);
    expect(load({ env, argv: ['--port', '1003'] }).config.port).toBe(1003);
  });

  it('merges settings from every layer', () => {
    const { config } = load({
      env: { AGENTAUTH_CONFIG: file, AGENTAUTH_PORT: '1002', AGENTAUTH_LOG_LEVEL: 'debug' },
      argv: ['--log-level=trace'],
    });
    expect(config).toMatchObject({ port: 1002, workers: 3, logLevel: 'trace', accessTokenTtl: 60, signingAlg: 'ES256' });
  });

  it('accepts both --name value and --name=value', () => {
    expect(load({ argv: ['--port', '9000', '--workers=4'] }).config).toMatchObject({ port: 9000, workers: 4 });
  });

  it('reads the file named by --config over the one named by AGENTAUTH_CONFIG', () => {
    const other = yamlFile('other.yaml', 'port: 2002\n');
    expect(load({ env: { AGENTAUTH_CONFIG: file }, argv: ['--config', other] }).config.port).toBe(2002);
    expect(load({ argv: ['--config=precedence.yaml'] }).config.port).toBe(1001);
  });

  it('treats an empty environment variable as not set', () => {
    expect(load({ env: { AGENTAUTH_PORT: '', AGENTAUTH_REDIS_URL: '', AGENTAUTH_CONFIG: '' } }).config).toMatchObject({ port: 8080, redisUrl: undefined });
  });
});

describe('loadConfig values', () => {
  it('parses every kind of value', () => {
    const { config } = load({
      env: {
        AGENTAUTH_HOST: 'auth.internal',
        AGENTAUTH_ISSUER: 'https://auth.example.com/tenant',
        AGENTAUTH_DATA_DIR: 'var/data',
        AGENTAUTH_DATABASE_URL: 'postgresql://agentauth:pw@db:5432/agentauth?sslmode=require',
        AGENTAUTH_MASTER_KEY: MASTER_KEY,
        AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
        AGENTAUTH_ACCESS_TOKEN_TTL: '86400',
        AGENTAUTH_SIGNING_ALG: 'EdDSA',
        AGENTAUTH_KEY_ROTATION_INTERVAL: '3600',
        AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0',
        AGENTAUTH_REDIS_URL: 'rediss://:pw@cache:6380/0',
        AGENTAUTH_WORKERS: '64',
        AGENTAUTH_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.1,2001:db8::/32',
      },
    });
    expect(config).toMatchObject({
      host: 'auth.internal',
      issuer: 'https://auth.example.com/tenant',
      dataDir: join(cwd, 'var', 'data'),
      databaseUrl: 'postgresql://agentauth:pw@db:5432/agentauth?sslmode=require',
      bootstrapToken: BOOTSTRAP_TOKEN,
      accessTokenTtl: 86400,
      signingAlg: 'EdDSA',
      keyRotationInterval: 3600,
      auditFlushInterval: 0,
      redisUrl: 'rediss://:pw@cache:6380/0',
      workers: 64,
      trustedProxies: ['10.0.0.0/8', '192.0.2.1', '2001:db8::/32'],
    });
    expect(config.masterKey).toEqual(Buffer.alloc(32, 7));
  });

  it('keeps an absolute data dir as is', () => {
    expect(load({ argv: ['--data-dir', '/srv/agentauth/'] }).config.dataDir).toBe('/srv/agentauth');
  });

  it.each([
    ['AGENTAUTH_HOST', 'not a host!', 'AGENTAUTH_HOST: must be an IP address or a host name (got "not a host!")'],
    ['AGENTAUTH_PORT', 'abc', 'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got "abc")'],
    ['AGENTAUTH_PORT', '0', 'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got "0")'],
    ['AGENTAUTH_PORT', '65536', 'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got "65536")'],
    ['AGENTAUTH_PORT', '80.5', 'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got "80.5")'],
    ['AGENTAUTH_PORT', '1e3', 'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got "1e3")'],
    ['AGENTAUTH_PORT', ' 8080', 'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got " 8080")'],
    ['AGENTAUTH_ACCESS_TOKEN_TTL', '9', 'AGENTAUTH_ACCESS_TOKEN_TTL: must be an integer between 10 and 86400 (seconds) (got "9")'],
    ['AGENTAUTH_ACCESS_TOKEN_TTL', '86401', 'AGENTAUTH_ACCESS_TOKEN_TTL: must be an integer between 10 and 86400 (seconds) (got "86401")'],
    ['AGENTAUTH_KEY_ROTATION_INTERVAL', '3599', 'AGENTAUTH_KEY_ROTATION_INTERVAL: must be an integer between 3600 and 31622400 (seconds) (got "3599")'],
    ['AGENTAUTH_AUDIT_FLUSH_INTERVAL', '-1', 'AGENTAUTH_AUDIT_FLUSH_INTERVAL: must be an integer between 0 and 1000 (milliseconds) (got "-1")'],
    ['AGENTAUTH_AUDIT_FLUSH_INTERVAL', '1001', 'AGENTAUTH_AUDIT_FLUSH_INTERVAL: must be an integer between 0 and 1000 (milliseconds) (got "1001")'],
    ['AGENTAUTH_WORKERS', '65', 'AGENTAUTH_WORKERS: must be an integer between 1 and 64 (got "65")'],
    ['AGENTAUTH_SIGNING_ALG', 'HS256', 'AGENTAUTH_SIGNING_ALG: must be one of ES256, EdDSA, PS256 (got "HS256")'],
    ['AGENTAUTH_SIGNING_ALG', 'es256', 'AGENTAUTH_SIGNING_ALG: must be one of ES256, EdDSA, PS256 (got "es256")'],
    ['AGENTAUTH_LOG_LEVEL', 'verbose', 'AGENTAUTH_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
    [
      'AGENTAUTH_TRUSTED_PROXIES',
      '10.0.0.0/8,10.1.0.0/33',
      'AGENTAUTH_TRUSTED_PROXIES: must be a comma-separated list of IP addresses and CIDR blocks (entry 2 is not an IP address or CIDR block) (got "10.0.0.0/8,10.1.0.0/33")',
    ],
    [
      'AGENTAUTH_TRUSTED_PROXIES',
      '10.0.0.1,,10.0.0.2',
      'AGENTAUTH_TRUSTED_PROXIES: must be a comma-separated list of IP addresses and CIDR blocks (entry 2 is not an IP address or CIDR block) (got "10.0.0.1,,10.0.0.2")',
    ],
    ['AGENTAUTH_DATABASE_URL', 'mysql://db/agentauth', 'AGENTAUTH_DATABASE_URL: must be a URL starting with postgres:// or postgresql:// (value not shown: secret)'],
    ['AGENTAUTH_DATABASE_URL', './agentauth.db', 'AGENTAUTH_DATABASE_URL: must be a URL starting with postgres:// or postgresql:// (value not shown: secret)'],
    ['AGENTAUTH_REDIS_URL', 'http://cache:6379', 'AGENTAUTH_REDIS_URL: must be a URL starting with redis:// or rediss:// (value not shown: secret)'],
    ['AGENTAUTH_REDIS_KEY_PREFIX', 'agentauth', 'AGENTAUTH_REDIS_KEY_PREFIX: must be 1 to 64 letters, digits or `:_.-`, ending in `:` (got "agentauth")'],
    ['AGENTAUTH_REDIS_KEY_PREFIX', 'a b:', 'AGENTAUTH_REDIS_KEY_PREFIX: must be 1 to 64 letters, digits or `:_.-`, ending in `:` (got "a b:")'],
    ['AGENTAUTH_RATE_LIMITS', 'false', 'AGENTAUTH_RATE_LIMITS: must be one of on, off (got "false")'],
    ['AGENTAUTH_RATE_LIMIT_WINDOW', '0', 'AGENTAUTH_RATE_LIMIT_WINDOW: must be an integer between 1 and 3600 (seconds) (got "0")'],
    ['AGENTAUTH_RATE_LIMIT_CLIENT_FAILURES', '0', 'AGENTAUTH_RATE_LIMIT_CLIENT_FAILURES: must be an integer between 1 and 1000000 (got "0")'],
    ['AGENTAUTH_POLICY_TIME_ZONE', 'Mars/Olympus_Mons', 'AGENTAUTH_POLICY_TIME_ZONE: must be an IANA time zone name such as UTC or Europe/Paris (got "Mars/Olympus_Mons")'],
  ])('refuses %s=%j', (name, value, problem) => {
    expect(problemsOf({ env: { [name]: value } })).toEqual([problem]);
  });

  it('reads the policy time zone as Intl names it', () => {
    expect(loadConfig({ argv: [], cwd: '/tmp', env: { AGENTAUTH_POLICY_TIME_ZONE: 'europe/paris', AGENTAUTH_MASTER_KEY: MASTER_KEY } }).config.policyTimeZone).toBe('Europe/Paris');
  });

  it.each([
    ['16 bytes', Buffer.alloc(16, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
    ['base64url without padding', Buffer.alloc(32, 0xfb).toString('base64url')],
    ['non-canonical padding bits', `${MASTER_KEY.slice(0, 42)}B=`],
    ['not base64', 'this is not base64 at all, not even close!!!'],
  ])('refuses a master key that is %s, without showing it', (_, value) => {
    expect(problemsOf({ env: { AGENTAUTH_MASTER_KEY: value } })).toEqual([
      'AGENTAUTH_MASTER_KEY: must be exactly 32 bytes in standard base64 (RFC 4648 §4), e.g. the output of `openssl rand -base64 32` (value not shown: secret)',
    ]);
  });

  it.each([
    ['too short', 'a'.repeat(31)],
    ['a character a Bearer header cannot carry', `${'a'.repeat(40)} b`],
    ['too long', 'a'.repeat(1025)],
  ])('refuses a bootstrap token that is %s', (_, value) => {
    const problems = problemsOf({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: value } });
    expect(problems).toEqual([expect.stringMatching(/^AGENTAUTH_BOOTSTRAP_TOKEN: must be 32 to 1024 characters .* \(value not shown: secret\)$/)]);
  });
});

describe('loadConfig issuer (RFC 8414 §2)', () => {
  it.each(['http://127.0.0.1:8080', 'http://127.5.6.7', 'http://localhost', 'http://[::1]:8080', 'https://example.com', 'https://example.com:8443/auth/tenant-1'])(
    'accepts %s',
    (issuer) => {
      expect(load({ env: { AGENTAUTH_ISSUER: issuer } }).config.issuer).toBe(issuer);
    },
  );

  it.each([
    ['http://example.com', 'must use https'],
    ['http://0.0.0.0:8080', 'must use https'],
    ['http://128.0.0.1', 'must use https'],
    ['http://app.localhost', 'must use https'],
    ['https://example.com/', 'must not end with a slash'],
    ['https://example.com/auth/', 'must not end with a slash'],
    ['https://example.com?tenant=1', 'must not have a query component'],
    ['https://example.com?', 'must not have a query component'],
    ['https://example.com#top', 'must not have a fragment component'],
    ['https://user:pw@example.com', 'must not contain user information'],
    ['https://EXAMPLE.com', 'must be written in canonical form: https://example.com'],
    ['https://example.com:443', 'must be written in canonical form: https://example.com'],
    ['https://example.com/a/../b', 'must be written in canonical form: https://example.com/b'],
    ['ftp://example.com', 'must be an absolute https URL'],
    ['example.com', 'must be an absolute https URL'],
  ])('refuses %s', (issuer, reason) => {
    const problems = problemsOf({ argv: [`--issuer=${issuer}`] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`--issuer: ${reason}`);
    expect(problems[0]).toContain(`(got ${JSON.stringify(issuer)})`);
  });
});

describe('loadConfig default resource (RFC 8707 §2, the rule of an agent\'s resources)', () => {
  it.each(['https://api.example.com', 'https://api.example.com/v1?tenant=1', 'http://127.0.0.1:9000/mcp', 'http://localhost'])('accepts %s', (resource) => {
    expect(load({ env: { AGENTAUTH_DEFAULT_RESOURCE: resource } }).config.defaultResource).toBe(resource);
  });

  it.each([
    ['http://api.example.com', 'must use https (http only on loopback)'],
    ['https://api.example.com#top', 'must not contain a fragment'],
    ['https://user:pw@api.example.com', 'must not contain user information'],
    ['api.example.com', 'must be an absolute URI'],
  ])('refuses %s', (resource, reason) => {
    const problems = problemsOf({ argv: [`--default-resource=${resource}`] });
    expect(problems).toEqual([`--default-resource: ${reason} (RFC 8707 §2) (got ${JSON.stringify(resource)})`]);
  });
});

describe('loadConfig reports every problem at once', () => {
  it('lists problems from the file, the environment and the flags together, each source in the order written', () => {
    const file = yamlFile('bad.yaml', 'workers: 0\nsigning-alg: none\n');
    const problems = problemsOf({
      env: { AGENTAUTH_CONFIG: file, AGENTAUTH_PORT: 'eighty', AGENTAUTH_ISSUER: 'http://example.com' },
      argv: ['--log-level', 'loud', '--colour', 'red', '--access-token-ttl=5'],
    });
    expect(problems).toEqual([
      `${file}:1: workers: must be an integer between 1 and 64 (got 0)`,
      `${file}:2: signing-alg: must be one of ES256, EdDSA, PS256 (got "none")`,
      'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got "eighty")',
      expect.stringMatching(/^AGENTAUTH_ISSUER: must use https/),
      '--log-level: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      '--colour: unknown option',
      '--access-token-ttl: must be an integer between 10 and 86400 (seconds) (got "5")',
    ]);
  });

  it('reports an invalid value even when a later source overrides it', () => {
    expect(problemsOf({ env: { AGENTAUTH_PORT: '99999' }, argv: ['--port', '9000'] })).toEqual([
      'AGENTAUTH_PORT: must be an integer between 1 and 65535 (got "99999")',
    ]);
  });

  it('puts every problem in the error message', () => {
    expect(() => load({ env: { AGENTAUTH_PORT: 'x', AGENTAUTH_WORKERS: 'y' } })).toThrow(
      /invalid configuration \(2 problems\):\n {2}- AGENTAUTH_PORT: .*\n {2}- AGENTAUTH_WORKERS: /,
    );
  });
});

describe('loadConfig command line', () => {
  it.each([
    [['--prot', '9000'], '--prot: unknown option (did you mean --port?)'],
    [['--dataDir=/x'], '--dataDir: unknown option (did you mean --data-dir?)'],
    [['-p', '9000'], '-p: unknown option'],
    [['9000'], 'argument 1: unexpected argument (options are written --name value or --name=value)'],
    [['--port'], '--port: needs a value (--port <value> or --port=<value>)'],
    [['--port', '--workers', '2'], '--port: needs a value (--port <value> or --port=<value>)'],
    [['--port', '1', '--port', '2'], '--port: given more than once'],
    [['--config'], '--config: needs a value (--config <value> or --config=<value>)'],
  ])('refuses %j', (argv, problem) => {
    expect(problemsOf({ argv })).toEqual([problem]);
  });

  it('warns that a secret given as a flag is visible in the process list', () => {
    const { config, warnings } = load({ argv: ['--bootstrap-token', BOOTSTRAP_TOKEN] });
    expect(config.bootstrapToken).toBe(BOOTSTRAP_TOKEN);
    expect(warnings).toEqual([expect.stringMatching(/^--bootstrap-token: a secret on the command line is visible .* prefer AGENTAUTH_BOOTSTRAP_TOKEN/)]);
    expect(warnings.join('\n')).not.toContain(BOOTSTRAP_TOKEN);
  });
});

describe('loadConfig environment', () => {
  it('warns about an unknown AGENTAUTH_* variable, suggesting the likely one, and starts anyway', () => {
    const { config, warnings } = load({ env: { AGENTAUTH_PROT: '9000', AGENTAUTH_MTLS_PROT: '8443', AGENTAUTH_TRUST_DOMAINS: 'example.org' } });
    expect(config.port).toBe(8080);
    expect(warnings).toEqual([
      'AGENTAUTH_PROT is not a server setting and is ignored (did you mean AGENTAUTH_PORT?)',
      expect.stringMatching(/^AGENTAUTH_MTLS_PROT is not a server setting and is ignored/),
      expect.stringMatching(/^AGENTAUTH_TRUST_DOMAINS is not a server setting and is ignored/),
    ]);
  });

  it('stays silent about the CLI variables and other programs', () => {
    const env = { AGENTAUTH_URL: 'http://x', AGENTAUTH_ADMIN_TOKEN: 'secret', PATH: '/bin', HOME: '/root', agentauth_port: '1' };
    expect(load({ env })).toMatchObject({ warnings: [], config: { port: 8080 } });
  });
});

describe('loadConfig secrets', () => {
  it('never puts a secret value in a problem, from any source', () => {
    const secrets = {
      masterKey: 'c2VjcmV0LW1hc3Rlci1rZXktdmFsdWU=',
      token: 'short-secret-token',
      database: 'mysql://admin:database-password@db/agentauth',
      redis: 'memcached://:redis-password@cache',
      fileToken: 'file-secret-with spaces-0123456789abcdef',
    };
    const file = yamlFile('secrets.yaml', `bootstrap-token: "${secrets.fileToken}"\n`);
    let message = '';
    try {
      load({
        env: { AGENTAUTH_CONFIG: file, AGENTAUTH_MASTER_KEY: secrets.masterKey, AGENTAUTH_DATABASE_URL: secrets.database },
        argv: ['--bootstrap-token', secrets.token, `--redis-url=${secrets.redis}`],
      });
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(5);
      message = `${(error as ConfigError).message}\n${(error as ConfigError).problems.join('\n')}`;
    }
    expect(message).toContain('value not shown: secret');
    for (const secret of [...Object.values(secrets), 'database-password', 'redis-password', 'secret-master']) {
      expect(message).not.toContain(secret);
    }
  });
});

describe('loadConfig result', () => {
  it('is deeply frozen', () => {
    const { config } = load({ env: { AGENTAUTH_TRUSTED_PROXIES: '10.0.0.1', AGENTAUTH_MASTER_KEY: MASTER_KEY } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.trustedProxies)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.trustedProxies as string[]).push('10.0.0.2')).toThrow(TypeError);
    expect(config.port).toBe(8080);
  });

  it('throws TypeError for malformed input (a programmer mistake)', () => {
    expect(() => loadConfig({ argv: [], env: {}, cwd: 'relative' })).toThrow(TypeError);
    expect(() => loadConfig({ argv: [1] as unknown as string[], env: {}, cwd })).toThrow(TypeError);
    expect(() => loadConfig(null as unknown as LoadConfigInput)).toThrow(TypeError);
  });
});

describe('loadConfig: authorizationResources', () => {
  it('reads a comma-separated list under the resource rule, and refuses any value that breaks it', () => {
    const read = (value: string) => load({ env: { AGENTAUTH_AUTHORIZATION_RESOURCES: value } });
    expect(read('https://a.example.com/mcp, http://127.0.0.1:3000/mcp').config.authorizationResources).toEqual(['https://a.example.com/mcp', 'http://127.0.0.1:3000/mcp']);
    expect(() => read('https://a.example.com, http://public.example.com')).toThrow(/AGENTAUTH_AUTHORIZATION_RESOURCES/);
    expect(() => read('https://a.example.com/#frag')).toThrow(/AGENTAUTH_AUTHORIZATION_RESOURCES/);
  });
});
