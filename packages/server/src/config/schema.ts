import { SIGNING_ALGS } from '@agentauth/protocol';
import type { Config } from './config.js';
import { defaultIssuer, issuerUrl } from './issuer.js';
import { defaultTrustDomain, trustDomainName } from './trust-domain.js';
import { ANOMALY_SETTINGS } from './anomaly-settings.js';
import { METRICS_SETTINGS } from './metrics-settings.js';
import { PEOPLE_SETTINGS } from './people-settings.js';
import { SIEM_SETTINGS } from './siem-settings.js';
import { setting, type AnySetting } from './setting.js';
import { resourceIndicator } from './resource-indicator.js';
import {
  base64Bytes,
  bearerToken,
  boolean,
  directoryPath,
  headerName,
  hostAddress,
  integer,
  isIpOrCidr,
  list,
  oneOf,
  redisKeyPrefix,
  timeZone,
  urlWithScheme,
} from './value-types.js';

const DAY = 86_400;

const ALL_SETTINGS = [
  setting('host', { type: hostAddress(), default: { value: '127.0.0.1' }, description: 'Interface the public listener binds to.' }),
  setting('port', { type: integer({ min: 1, max: 65535 }), default: { value: 8080 }, description: 'TCP port of the public listener.' }),
  setting('issuer', {
    type: issuerUrl(),
    default: {
      derive: ({ host, port }) => (host === undefined || port === undefined ? undefined : defaultIssuer(host, port)),
      doc: 'http://HOST:PORT',
      hint: 'set AGENTAUTH_ISSUER (or --issuer) to the public https URL of this server',
    },
    description: 'Issuer identifier (RFC 8414 §2) and base URL of every endpoint; no query, fragment or trailing slash.',
  }),
  setting('dataDir', {
    type: directoryPath(),
    default: { value: './.agentauth' },
    description: 'Directory for the SQLite database and the generated master key.',
  }),
  setting('databaseUrl', {
    type: urlWithScheme(['postgres', 'postgresql']),
    default: { value: undefined },
    defaultDoc: 'SQLite in the data directory',
    description: 'PostgreSQL connection URL (may hold a password); needed when several nodes share one deployment.',
    secret: true,
  }),
  setting('masterKey', {
    type: base64Bytes(32),
    default: { value: undefined },
    defaultDoc: '`master.key` in the data directory, generated at the first start',
    description: 'Key that encrypts signing and CA keys at rest (AES-256-GCM); every node needs the same one.',
    secret: true,
  }),
  setting('bootstrapToken', {
    type: bearerToken({ minLength: 32, maxLength: 1024 }),
    default: { value: undefined },
    defaultDoc: 'generated at the first start into `bootstrap-token` in the data directory',
    description: 'Admin API bearer token accepted from the first start.',
    secret: true,
  }),
  setting('accessTokenTtl', {
    type: integer({ min: 10, max: DAY, unit: 'seconds' }),
    default: { value: 300 },
    description: 'Default lifetime of access tokens.',
  }),
  setting('apiKeyMaxTtl', {
    type: integer({ min: 3600, max: 366 * DAY, unit: 'seconds' }),
    default: { value: 90 * DAY },
    defaultDoc: '`7776000` (90 days)',
    description: 'Longest lifetime of a managed API key, and of an imported key from its import (docs/migration.md); every key expires within it.',
  }),
  setting('keyCutoverWebhook', {
    type: urlWithScheme(['https', 'http']),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'URL the first use of a key in its `warn` or `block` cut-over stage is POSTed to (once per key per stage change), as JSON naming the key, its agent and owner, signed with HMAC-SHA256 under AGENTAUTH_KEY_CUTOVER_WEBHOOK_SECRET, through the SSRF guard, retried (docs/migration.md, "Cutting keys off"); may hold a credential in its query.',
    secret: true,
  }),
  setting('keyCutoverWebhookSecret', {
    type: bearerToken({ minLength: 32, maxLength: 1024 }),
    default: { value: undefined },
    defaultDoc: 'none (required with AGENTAUTH_KEY_CUTOVER_WEBHOOK)',
    description: 'Key of the key cut-over webhook\'s `X-AgentAuth-Signature` (HMAC-SHA256), shared with the receiver.',
    secret: true,
  }),
  setting('keyCutoverAllowPrivateWebhook', {
    type: boolean(),
    default: { value: false },
    description: 'Let the key cut-over webhook reach private, loopback, link-local, CGNAT and unique-local addresses. For tests and private networks.',
  }),
  setting('defaultResource', {
    type: resourceIndicator(),
    default: { value: undefined },
    defaultDoc: 'none: a registration must name its `resources`',
    description:
      'Resource (RFC 8707 audience) given to an RFC 7591 registration that names no `resources`, so that a standards-only client gets a working registration (docs/admin-api.md).',
  }),
  setting('signingAlg', { type: oneOf(SIGNING_ALGS), default: { value: 'ES256' }, description: 'JWS algorithm of the token signing keys.' }),
  setting('keyRotationInterval', {
    type: integer({ min: 3600, max: 366 * DAY, unit: 'seconds' }),
    default: { value: 30 * DAY },
    defaultDoc: '`2592000` (30 days)',
    description: 'How often the signing key is rotated.',
  }),
  setting('redisUrl', {
    type: urlWithScheme(['redis', 'rediss']),
    default: { value: undefined },
    defaultDoc: 'none (in-memory)',
    description: 'Redis URL (may hold a password) for replay caches, rate limits and revocation fan-out across nodes.',
    secret: true,
  }),
  setting('redisKeyPrefix', {
    type: redisKeyPrefix(),
    default: { value: 'agentauth:' },
    description:
      'What every Redis key and the fan-out channel start with (`<prefix>replay:`, `<prefix>limit:`, `<prefix>fan-out`): nodes of one deployment share it; deployments sharing one Redis each need their own (docs/operations.md, "Several nodes: what Redis adds").',
  }),
  setting('workers', { type: integer({ min: 1, max: 64 }), default: { value: 1 }, description: 'Worker processes; 1 serves in-process.' }),
  setting('auditFlushInterval', {
    type: integer({ min: 0, max: 1000, unit: 'milliseconds' }),
    // One process on SQLite is the only writer: batches form by themselves while a commit is in
    // flight, and a window only adds its length to every answer (measured at half of peak load:
    // p50 3.4 -> 2.0 ms, p99 8.8 -> 7.2 ms, same peak). Processes sharing a database contend for
    // its write lock, and fewer, larger transactions win there (--workers 2: peak -10% without).
    default: {
      derive: ({ workers, databaseUrl }) => (workers === undefined ? undefined : workers === 1 && databaseUrl === undefined ? 0 : 2),
      doc: '0 for one process on SQLite, else 2',
      hint: 'set AGENTAUTH_AUDIT_FLUSH_INTERVAL',
    },
    description: 'Group-commit window of the commit log (audit records, with the tokens and certificates issued); each response waits for its batch.',
  }),
  setting('auditCheckpointInterval', {
    type: integer({ min: 60, max: 7 * DAY, unit: 'seconds' }),
    default: { value: 3600 },
    defaultDoc: '`3600` (1 hour)',
    description:
      'How often a checkpoint of the audit log\'s head is signed with the token signing key and exported (also at every graceful shutdown); `agentauth audit verify --checkpoints` then detects truncation and rewrites before the last one (docs/operations.md, "Audit checkpoints").',
  }),
  setting('auditCheckpointDir', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'none: checkpoints are kept in the database only, which proves nothing',
    description:
      'Directory signed audit checkpoints are exported to, one file per checkpoint (mode 0600, written atomically); keep it out of reach of whoever can write the database, e.g. on append-only or remote storage.',
  }),
  setting('auditCheckpointWebhook', {
    type: urlWithScheme(['https', 'http']),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'URL each signed audit checkpoint is POSTed to as `application/jwt`, through the SSRF guard (https; http only to loopback with AGENTAUTH_AUDIT_CHECKPOINT_WEBHOOK_ALLOW_PRIVATE), retried for about 37 minutes; may hold a credential in its query.',
    secret: true,
  }),
  setting('auditCheckpointWebhookAllowPrivate', {
    type: boolean(),
    default: { value: false },
    description: 'Let the checkpoint webhook reach private, loopback, link-local, CGNAT and unique-local addresses; http is then allowed to loopback only.',
  }),
  // Audit records streamed to a SIEM as OCSF events (docs/monitoring.md, "SIEM export").
  ...SIEM_SETTINGS,
  setting('logLevel', {
    type: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    default: { value: 'info' },
    description: 'Minimum level of log lines.',
  }),
  setting('trustedProxies', {
    type: list({ singular: 'an IP address or CIDR block', plural: 'IP addresses and CIDR blocks', test: isIpOrCidr }),
    default: { value: [] },
    defaultDoc: 'none',
    description: 'Proxies whose `X-Forwarded-For` is trusted for the client address in audit records.',
  }),
  setting('trustDomain', {
    type: trustDomainName(),
    default: {
      derive: ({ issuer }) => (issuer === undefined ? undefined : defaultTrustDomain(issuer)),
      doc: "the issuer's host name",
      hint: 'set AGENTAUTH_TRUST_DOMAIN (or --trust-domain) to a SPIFFE trust domain name such as example.org',
    },
    description: 'SPIFFE trust domain of the X.509-SVIDs the built-in CA issues (`spiffe://<trust domain>/agent/<agent id>`, docs/ca.md).',
  }),
  setting('certificateTtl', {
    type: integer({ min: 60, max: DAY, unit: 'seconds' }),
    default: { value: 3600 },
    description: 'Lifetime of agent certificates (X.509-SVIDs); never beyond the issuing CA.',
  }),
  setting('caIntermediateTtl', {
    type: integer({ min: 2 * DAY, max: 5 * 366 * DAY, unit: 'seconds' }),
    default: { value: 30 * DAY },
    defaultDoc: '`2592000` (30 days)',
    description: 'Lifetime of each issuing CA; a successor is prepared at half of it and activated at five sixths.',
  }),
  setting('signalsAllowPrivateReceivers', {
    type: boolean(),
    default: { value: false },
    description:
      'Let Shared Signals push streams (RFC 8935) deliver to private, loopback, link-local, CGNAT and unique-local addresses; http is then allowed to loopback only. For tests and private networks (docs/signals.md).',
  }),
  setting('ssfStreamIdleTtl', {
    type: integer({ min: 300, max: 366 * DAY, unit: 'seconds' }),
    default: { value: DAY },
    defaultDoc: '`86400` (24 hours)',
    description:
      'Delete a Shared Signals poll stream (RFC 8936) whose receiver has not polled it for this long, with what is queued on it; audited as `ssf_stream.expired` (docs/signals.md).',
  }),
  setting('federationAllowPrivateNetworks', {
    type: boolean(),
    default: { value: false },
    description:
      'Let the server fetch JWKS (agents\' `jwks_uri`, trusted issuers) from private, loopback, link-local, CGNAT and unique-local addresses; http is then allowed to loopback only (docs/federation.md).',
  }),
  setting('loginProvidersAllowPrivateNetworks', {
    type: boolean(),
    default: { value: false },
    description:
      'Let the server reach upstream OpenID Connect providers people sign in through (discovery, JWKS, token endpoint) at private, loopback, link-local, CGNAT and unique-local addresses; http is then allowed to loopback only (docs/people.md).',
  }),
  setting('clientMetadataAllowPrivateNetworks', {
    type: boolean(),
    default: { value: false },
    description:
      'Let the server fetch Client ID Metadata Documents (a public client whose `client_id` is a URL) from private, loopback, link-local, CGNAT and unique-local addresses; http and IP-literal client ids are then allowed to loopback only. For tests (docs/oauth.md).',
  }),
  setting('federationCaFile', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'none (the bundled public roots only)',
    description: 'PEM file of extra CA certificates trusted, beside the bundled roots, when fetching JWKS (e.g. a Kubernetes cluster CA).',
  }),
  setting('maxDelegationDepth', {
    type: integer({ min: 1, max: 10 }),
    default: { value: 4 },
    description: 'Most RFC 8693 token exchanges between an exchanged token and its root token (delegation hops and per-task narrowing alike).',
  }),
  setting('policyTimeZone', {
    type: timeZone(),
    default: { value: 'UTC' },
    description: 'IANA time zone of `context.hour` and `context.weekday` in Cedar policies (docs/policy.md).',
  }),
  setting('dpopNonce', {
    type: oneOf(['off', 'required'] as const),
    default: { value: 'off' },
    description: 'RFC 9449 §8 server nonces: `required` makes every DPoP proof at the token endpoint carry a nonce the server issued (`use_dpop_nonce` otherwise).',
  }),
  setting('dpopNonceSecret', {
    type: base64Bytes(32),
    default: { value: undefined },
    defaultDoc: 'derived from the master key (HKDF-SHA256)',
    description: 'Key of the stateless DPoP nonces; every node needs the same one. Set it to rotate nonces independently of the master key.',
    secret: true,
  }),
  setting('dpopNonceLifetime', {
    type: integer({ min: 10, max: 3600, unit: 'seconds' }),
    default: { value: 300 },
    description: 'Longest time a DPoP nonce is accepted; a fresh one is issued every half of it.',
  }),
  setting('mtlsPort', {
    type: integer({ min: 0, max: 65535 }),
    default: { value: 8443 },
    description: 'TCP port of the mutual-TLS listener (RFC 8705: token, introspection, revocation and certificate renewal with a client certificate); 0 turns it off.',
  }),
  setting('mtlsHost', {
    type: hostAddress(),
    default: { derive: ({ host }) => host, doc: 'HOST', hint: 'set AGENTAUTH_MTLS_HOST to the interface the mutual-TLS listener binds to' },
    description: 'Interface the mutual-TLS listener binds to.',
  }),
  setting('mtlsUrl', {
    type: urlWithScheme(['https']),
    default: {
      derive: ({ issuer, mtlsPort }) => (issuer === undefined || !mtlsPort ? undefined : `https://${new URL(issuer).hostname}:${mtlsPort}`),
      doc: 'https://ISSUER_HOST:MTLS_PORT (none when MTLS_PORT is 0)',
      hint: 'set AGENTAUTH_MTLS_URL to the https URL clients reach the mutual-TLS listener at',
    },
    description: 'Base URL of the mutual-TLS endpoints, advertised as `mtls_endpoint_aliases` (RFC 8705 §5); set it when a proxy or port mapping fronts the listener.',
  }),
  setting('mtlsCertFile', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'a certificate our CA issues for the issuer host, renewed before it expires',
    description: 'PEM server certificate (with its chain) of the mutual-TLS listener; needs AGENTAUTH_MTLS_KEY_FILE.',
  }),
  setting('mtlsKeyFile', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'none',
    description: 'PEM private key of AGENTAUTH_MTLS_CERT_FILE.',
  }),
  setting('mtlsTrustAnchors', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'none (our CA only)',
    description: 'PEM file of further CA certificates that `tls_client_auth` client certificates may chain to (RFC 8705 §2.1); not checked for revocation.',
  }),
  setting('mtlsProxyHeader', {
    type: headerName(),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'Header in which a TLS-terminating proxy forwards the client certificate (RFC 8705 §6.5): `x-forwarded-client-cert` (Envoy XFCC) or any other name for a URL-encoded PEM (nginx `$ssl_client_escaped_cert`). Honoured only from AGENTAUTH_MTLS_TRUSTED_PROXIES.',
  }),
  setting('mtlsTrustedProxies', {
    type: list({ singular: 'an IP address or CIDR block', plural: 'IP addresses and CIDR blocks', test: isIpOrCidr }),
    default: { value: [] },
    defaultDoc: 'none',
    description: 'Directly connected proxies whose AGENTAUTH_MTLS_PROXY_HEADER is honoured; from any other address the header is ignored.',
  }),
  // Failed-authentication limits (docs/oauth.md, "Failed authentication limits"). Only failures
  // count, so no agent is ever throttled by its own successful traffic.
  setting('rateLimits', {
    type: oneOf(['on', 'off'] as const),
    default: { value: 'on' },
    description:
      'Limits on failed authentications at `/token`, `/introspect`, `/revoke`, `/register` and the admin API: past a limit, `429` with `Retry-After` until the window ends. `off` turns every limit off. Shared across nodes through AGENTAUTH_REDIS_URL when it is set.',
  }),
  setting('rateLimitWindow', {
    type: integer({ min: 1, max: 3600, unit: 'seconds' }),
    default: { value: 60 },
    description: 'Length of the window failures are counted in; a key that reached its limit is refused until its window ends.',
  }),
  setting('rateLimitAddressFailures', {
    type: integer({ min: 1, max: 1_000_000 }),
    default: { value: 100 },
    description:
      'Failed client authentications allowed per window from one source address (an IPv6 /64 counts as one), whatever client ids they name; then every client authentication from it is refused. Raise it for many agents behind one NAT address.',
  }),
  setting('rateLimitClientFailures', {
    type: integer({ min: 1, max: 1_000_000 }),
    default: { value: 20 },
    description:
      'Failed client authentications allowed per window naming one client id; then that client id is refused from every address that has failed in the window (an address without a failure is still heard, so no one can lock a working agent out from elsewhere).',
  }),
  setting('rateLimitAdminFailures', {
    type: integer({ min: 1, max: 1_000_000 }),
    default: { value: 10 },
    description: 'Failed admin authentications (admin API bearer tokens, RFC 7591 initial access tokens) allowed per window from one source address.',
  }),
  setting('rateLimitLoginFailures', {
    type: integer({ min: 1, max: 1_000_000 }),
    default: { value: 20 },
    description: 'Failed sign-ins of people at `/login` (passwords, second factors and passkeys, whatever account they name) allowed per window from one source address.',
  }),
  // People's sign-in and sessions (docs/people.md): OWASP's lockout and session timeouts.
  ...PEOPLE_SETTINGS,
  // Anomaly detection and its response (docs/monitoring.md).
  ...ANOMALY_SETTINGS,
  // The Prometheus metrics endpoint (docs/monitoring.md).
  ...METRICS_SETTINGS,
] as const;

// Compile-time guarantee of one entry per Config field: a new field without a setting fails here.
type Missing = Exclude<keyof Config, (typeof ALL_SETTINGS)[number]['key']>;
const everyFieldHasASetting: [Missing] extends [never] ? true : Missing = true;
void everyFieldHasASetting;

/**
 * The one configuration schema: validation, the reference docs and the
 * environment-variable and flag names all derive from this list. Derived defaults may depend only
 * on settings listed before them.
 */
export const SETTINGS: readonly AnySetting[] = ALL_SETTINGS;

/** `AGENTAUTH_*` variables read by other agentauth programs (the CLI), which the server ignores silently. */
export const NON_SERVER_ENV: readonly string[] = ['AGENTAUTH_URL', 'AGENTAUTH_ADMIN_TOKEN', 'AGENTAUTH_CONFIG'];

/** The option and variable naming the YAML config file; not a Config field. */
export const CONFIG_FILE_FLAG = '--config';
export const CONFIG_FILE_ENV = 'AGENTAUTH_CONFIG';
