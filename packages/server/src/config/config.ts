import type { SigningAlg } from '@agentauth/protocol';

/**
 * The validated, frozen server configuration. Built only by `loadConfig` from the one schema in
 * `schema.ts` (defaults < YAML file < AGENTAUTH_* environment < command-line flags).
 */
export interface Config {
  /** Interface the public listener binds to. */
  readonly host: string;
  readonly port: number;
  /** RFC 8414 issuer identifier: no trailing slash, no query, no fragment; https unless loopback. */
  readonly issuer: string;
  readonly dataDir: string;
  /** `postgres://...` selects PostgreSQL; undefined means SQLite at `<dataDir>/agentauth.db`. */
  readonly databaseUrl: string | undefined;
  /** 32 bytes; undefined means "load or generate `<dataDir>/master.key`". */
  readonly masterKey: Buffer | undefined;
  /** Admin credential accepted from the first start; never logged. */
  readonly bootstrapToken: string | undefined;
  /** Default access token lifetime, seconds. */
  readonly accessTokenTtl: number;
  /** Longest lifetime of a managed API key, seconds. */
  readonly apiKeyMaxTtl: number;
  /** Where the first use of a key in a warn or block cut-over stage is posted. */
  readonly keyCutoverWebhook: string | undefined;
  /** HMAC key of the key cut-over webhook's signature. */
  readonly keyCutoverWebhookSecret: string | undefined;
  /** The key cut-over webhook may reach private addresses. */
  readonly keyCutoverAllowPrivateWebhook: boolean;
  /**
   * RFC 8707 resource given to an RFC 7591 registration that names none (absolute https URI, or
   * http on loopback); undefined: such a registration is refused.
   */
  readonly defaultResource: string | undefined;
  readonly signingAlg: SigningAlg;
  /** Signing key rotation period, seconds (default 30 days). */
  readonly keyRotationInterval: number;
  /** Group-commit flush interval for audit and issued-token records, milliseconds. */
  readonly auditFlushInterval: number;
  /** How often the audit log's head is checkpointed (signed and exported), seconds. */
  readonly auditCheckpointInterval: number;
  /** Directory signed audit checkpoints are exported to; undefined: not exported to files. */
  readonly auditCheckpointDir: string | undefined;
  /** URL each signed audit checkpoint is POSTed to (may hold a credential); undefined: none. */
  readonly auditCheckpointWebhook: string | undefined;
  /** Let the checkpoint webhook reach private and loopback addresses (http to loopback only). */
  readonly auditCheckpointWebhookAllowPrivate: boolean;
  /** File the SIEM export appends OCSF JSON lines to; undefined: none. */
  readonly siemFile: string | undefined;
  /** Syslog collector of the SIEM export, `tcp://` or `tls://`; undefined: none. */
  readonly siemSyslog: string | undefined;
  /** PEM CA certificates a TLS syslog collector must chain to; undefined: the bundled roots. */
  readonly siemSyslogCaFile: string | undefined;
  /** RFC 5424 HOSTNAME of the syslog messages. */
  readonly siemSyslogHostname: string;
  /** URL batches of OCSF events are POSTed to (may hold a credential); undefined: none. */
  readonly siemWebhook: string | undefined;
  /** HMAC key of the SIEM webhook's signature. */
  readonly siemWebhookSecret: string | undefined;
  /** Let the SIEM webhook reach private and loopback addresses (http to loopback only). */
  readonly siemWebhookAllowPrivate: boolean;
  /** Most audit records in one SIEM batch. */
  readonly siemBatchSize: number;
  /** Milliseconds between looks for new records once caught up; the first retry delay. */
  readonly siemPollInterval: number;
  /** Optional Redis URL for shared replay caches and revocation fan-out. */
  readonly redisUrl: string | undefined;
  /** What every Redis key and the fan-out channel start with; ends in `:`. */
  readonly redisKeyPrefix: string;
  /** Number of worker processes (node:cluster); 1 runs in-process. */
  readonly workers: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Trust `X-Forwarded-For` from these proxy addresses (CIDR or IP) for the audit source IP. */
  readonly trustedProxies: readonly string[];
  /** SPIFFE trust domain of the certificates our CA issues (SPIFFE-ID §2.1); default: the issuer's host. */
  readonly trustDomain: string;
  /** Default lifetime of agent certificates (X.509-SVIDs), seconds; capped at 24 hours. */
  readonly certificateTtl: number;
  /** Lifetime of each issuing (intermediate) CA, seconds; it rotates before it expires. */
  readonly caIntermediateTtl: number;
  /** SSRF guard of Shared Signals push receivers: allow private, loopback and link-local addresses (default false). */
  readonly signalsAllowPrivateReceivers: boolean;
  /** A poll stream whose receiver has not polled for this long is deleted (audited), seconds. */
  readonly ssfStreamIdleTtl: number;
  /** SSRF guard: let JWKS fetches reach private, loopback, link-local and CGNAT addresses (default false). */
  readonly federationAllowPrivateNetworks: boolean;
  readonly loginProvidersAllowPrivateNetworks: boolean;
  /** SSRF guard: let Client ID Metadata Document fetches reach private and loopback addresses (default false). */
  readonly clientMetadataAllowPrivateNetworks: boolean;
  /** PEM file of extra CA certificates trusted (beside the bundled roots) when fetching JWKS. */
  readonly federationCaFile: string | undefined;
  /** RFC 8693 token exchange: most exchanges between a token and its root token (default 4). */
  readonly maxDelegationDepth: number;
  /** IANA time zone of `context.hour` and `context.weekday` in policies (default UTC). */
  readonly policyTimeZone: string;
  /** RFC 9449 §8 server nonces at the token endpoint: `off`, or `required` in every DPoP proof. */
  readonly dpopNonce: 'off' | 'required';
  /** 32 bytes shared by every node; undefined derives it from the master key (HKDF). */
  readonly dpopNonceSecret: Buffer | undefined;
  /** Longest time a DPoP nonce is accepted, seconds (a new one is issued every half of it). */
  readonly dpopNonceLifetime: number;
  /** RFC 8705 mutual-TLS listener port; 0 turns the listener off. */
  readonly mtlsPort: number;
  /** Interface the mutual-TLS listener binds to. */
  readonly mtlsHost: string;
  /** Base URL of the mutual-TLS endpoints advertised as `mtls_endpoint_aliases` (RFC 8705 §5). */
  readonly mtlsUrl: string | undefined;
  /** Operator-supplied server certificate (PEM chain) of the mutual-TLS listener. */
  readonly mtlsCertFile: string | undefined;
  /** Its private key (PEM). */
  readonly mtlsKeyFile: string | undefined;
  /** PEM file of extra trust anchors for `tls_client_auth`, beside our own CA. */
  readonly mtlsTrustAnchors: string | undefined;
  /** Header a TLS-terminating proxy puts the client certificate in (RFC 8705 §6.5). */
  readonly mtlsProxyHeader: string | undefined;
  /** The proxies whose `mtlsProxyHeader` is honoured. */
  readonly mtlsTrustedProxies: readonly string[];
  /** Limits on failed client and admin authentications (`off` turns them off, docs/oauth.md). */
  readonly rateLimits: 'on' | 'off';
  /** Length of a failure-counting window, seconds. */
  readonly rateLimitWindow: number;
  /** Failed client authentications allowed per window from one source address (IPv6: one /64). */
  readonly rateLimitAddressFailures: number;
  /** Failed client authentications allowed per window naming one client id. */
  readonly rateLimitClientFailures: number;
  /** Failed admin authentications (admin API, initial access tokens) allowed per window from one source address. */
  readonly rateLimitAdminFailures: number;
  /** Failed sign-ins of people allowed per window from one source address. */
  readonly rateLimitLoginFailures: number;
  /** Failed sign-ins (password or second factor) that lock a person's account. */
  readonly loginLockoutFailures: number;
  /** Seconds a locked account stays locked. */
  readonly loginLockoutDuration: number;
  /** Seconds a person's session lives without a request. */
  readonly sessionIdleTimeout: number;
  /** Seconds a person's session lives at most, however active. */
  readonly sessionMaxAge: number;
  /** RFC 8707 resources people may authorize clients for (the authorization endpoint). */
  readonly authorizationResources: readonly string[];
  /** Open RFC 7591 registration of public clients, without an initial access token. */
  readonly openPublicClientRegistration: boolean;
  /** Scopes that need a person's approval (docs/approvals.md). */
  readonly approvalScopes: readonly string[];
  /** JSON file of the authorization detail types. */
  readonly approvalTypesFile: string | undefined;
  /** Longest life of an approval request, seconds. */
  readonly approvalExpiry: number;
  /** Seconds between polls of a pending approval. */
  readonly approvalPollInterval: number;
  /** Lifetime of a token issued for an approval, seconds. */
  readonly approvalTokenTtl: number;
  /** A person may not approve requests of an agent they own. */
  readonly approvalSeparationOfDuties: boolean;
  /** Groups whose members any agent may name as approver (`login_hint`). */
  readonly approvalApproverGroups: readonly string[];
  /** Where approval events are posted. */
  readonly approvalWebhook: string | undefined;
  /** HMAC key of the approval webhook's signature. */
  readonly approvalWebhookSecret: string | undefined;
  /** Ping callbacks and the webhook may reach private addresses. */
  readonly approvalAllowPrivateCallbacks: boolean;
  /** Anomaly detection runs (docs/monitoring.md). */
  readonly anomalyDetection: boolean;
  /** Seconds an agent is watched before it can raise anomalies. */
  readonly anomalyLearningPeriod: number;
  /** The detector thresholds file. */
  readonly anomalyThresholdsFile: string | undefined;
  /** Audit records waiting for the detectors at most. */
  readonly anomalyQueueSize: number;
  /** Where anomalies are posted. */
  readonly anomalyWebhook: string | undefined;
  /** HMAC key of the anomaly webhook's signature. */
  readonly anomalyWebhookSecret: string | undefined;
  /** The least severity posted to the webhook. */
  readonly anomalyWebhookSeverity: 'low' | 'medium' | 'high' | 'off';
  /** The least severity that sends a CAEP risk-level-change. */
  readonly anomalySignalSeverity: 'low' | 'medium' | 'high' | 'off';
  /** The least severity that suspends the agent. */
  readonly anomalySuspendSeverity: 'low' | 'medium' | 'high' | 'off';
  /** The anomaly webhook may reach private addresses. */
  readonly anomalyAllowPrivateWebhook: boolean;
  /** Prometheus metrics at `/metrics` (docs/monitoring.md). */
  readonly metrics: 'on' | 'off';
  /** Bearer token of the scrape, beside admin credentials; never logged. */
  readonly metricsToken: string | undefined;
  /** Port of a separate metrics listener; 0: `/metrics` on the public listener. */
  readonly metricsPort: number;
  /** Interface of the separate metrics listener. */
  readonly metricsHost: string;
}
