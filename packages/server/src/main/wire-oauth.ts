import { withRisk } from '../policy/risk-context.js';
import type { RiskLevel } from '../policy/policy-schema.js';
import { GRANT_CIBA, GRANT_CLIENT_CREDENTIALS, GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE } from '@agentauth/protocol';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommitLog } from '../audit/commit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { federatedSubjectTokenValidator } from '../federation/federated-subject-token-validator.js';
import { apiKeyExchange } from '../api-keys/api-key-exchange.js';
import { apiKeyIntrospection } from '../api-keys/api-key-introspection.js';
import { handleKeyDigestIntrospection } from '../imported-keys/key-digest-introspection.js';
import type { KeyCutoverGate } from '../key-cutover/key-cutover-gate.js';
import type { PublicAppOptions } from '../http/public-app.js';
import type { RotatingSigningKeyRing } from '../keys/key-ring.js';
import { createAuthenticationLimits, type AuthenticationLimits, type RedisLimitOptions } from '../limits/authentication-limits.js';
import type { ClientAuthenticationDeps } from '../oauth/client-auth/authenticate-client.js';
import { handleIntrospectionRequest } from '../oauth/endpoints/introspection-endpoint.js';
import { handleRevocationRequest } from '../oauth/endpoints/revocation-endpoint.js';
import { buildServerMetadata, withMutualTls } from '../oauth/endpoints/server-metadata.js';
import { handleTokenRequest } from '../oauth/endpoints/token-endpoint.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { ownAccessTokenValidator } from '../oauth/exchange/own-access-token-validator.js';
import { clientCredentialsGrant } from '../oauth/grants/client-credentials-grant.js';
import type { GrantHandler } from '../oauth/grants/grant-handler.js';
import { tokenExchangeGrant } from '../oauth/grants/token-exchange-grant.js';
import { composeSenderConstraints } from '../oauth/mtls/compose-sender-constraints.js';
import { ReplayCache } from '../oauth/replay-cache.js';
import type { Random } from '../random.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import { Consents } from '../oauth/authorization/consents.js';
import { CLIENT_METADATA_MAX_BYTES, CLIENT_METADATA_TIMEOUT_MS, ClientMetadataDocuments } from '../oauth/authorization/client-metadata-documents.js';
import { PublicClients } from '../oauth/authorization/public-clients.js';
import { createGuardedFetch } from '../net/guarded-fetch.js';
import { RemoteJwks } from '../net/remote-jwks.js';
import { Delegations } from '../oauth/delegation/delegations.js';
import { revokePersonTokens, type PersonRevocationStatus } from '../oauth/authorization/revoke-person.js';
import type { RequestContext } from '../oauth/authorization/authorization-codes.js';
import { handleUserTokenRequest, type UserTokenDeps } from '../oauth/endpoints/user-token-endpoint.js';
import type { FormParameters } from '../oauth/form-parameters.js';
import type { OAuthRequest } from '../oauth/oauth-request.js';
import type { Store } from '../store/store.js';
import { createTokenDigester } from '../tokens/token-digest.js';
import type { Agents } from './wire-agents.js';
import { wireDpop, type DpopSetup } from './wire-dpop.js';
import type { Federation } from './wire-federation.js';
import type { Lifecycle } from './lifecycle.js';
import type { MtlsSetup } from './wire-mtls.js';
import type { Policies } from './wire-policy.js';
import type { Approvals } from './wire-approvals.js';

/** How often expired tokens, revocations and single-use records are dropped (ms). */
const PRUNE_MS = 60_000;

/** What makes a credential usable once, and what stops guessing. */
export interface SingleUse {
  /** Client assertions' and federated JWTs' `jti`s seen by this process. */
  replayCache: ReplayCache;
  /** DPoP proofs at the token endpoint (RFC 9449). */
  dpop: DpopSetup;
  /** Failed-authentication limits (docs/oauth.md); undefined when switched off. */
  limits: AuthenticationLimits | undefined;
}

/**
 * The single-use records and the failed-authentication limits, ready before the first request:
 * Redis (when configured) is awaited briefly, never required (the database claim is the
 * authority, and failures are counted in memory until it answers); one process on SQLite takes
 * back the DPoP proofs the previous one handed over. Expired records and tokens are pruned every
 * minute, in small transactions, never two passes at once.
 */
export async function wireSingleUse(deps: {
  config: Config;
  clock: Clock;
  logger: Logger;
  store: Store;
  masterKey: Buffer;
  audit: AuditLog;
  lifecycle: Lifecycle;
  rateLimitRedis: RedisLimitOptions | undefined;
}): Promise<SingleUse> {
  const { config, clock, logger, store, lifecycle } = deps;
  const replayCache = new ReplayCache();
  const dpop = wireDpop({ config, masterKey: deps.masterKey, clock, store, logger });
  lifecycle.onClose('DPoP proof record', () => dpop.close());
  const limits = createAuthenticationLimits({ config, clock, audit: deps.audit, logger }, deps.rateLimitRedis);
  if (limits !== undefined) lifecycle.onClose('failed-authentication limits', () => limits.close());
  await Promise.all([dpop.ready(2_000), limits?.ready(2_000)]);
  await dpop.restore();

  let pruning = false;
  const timer = setInterval(() => {
    replayCache.evictExpired(clock.now());
    dpop.evictExpired(clock.now());
    if (pruning) return;
    pruning = true;
    store
      .pruneExpired(clock.now())
      .catch((error: unknown) => logger.warn({ err: error }, 'pruning expired records failed'))
      .finally(() => {
        pruning = false;
      });
  }, PRUNE_MS);
  timer.unref();
  lifecycle.onClose('pruning', () => clearInterval(timer));
  return { replayCache, dpop, limits };
}

/** The OAuth endpoints, built once (POST /token is the hot path), and how clients authenticate. */
export interface OAuth {
  /** Client authentication at the token, introspection and revocation endpoints. */
  clientAuth: ClientAuthenticationDeps;
  /** Client authentication at the self-service key routes: an agent's own credentials, never a trusted issuer's JWT. */
  keyOwnerAuth: ClientAuthenticationDeps;
  /** The public app's handlers and documents, for both listeners. */
  publicApp: PublicAppOptions;
  /** People's remembered consents to public clients (the authorization endpoint, docs/people.md). */
  consents: Consents;
  /** Public clients: registered (RFC 7591) or described by a Client ID Metadata Document. */
  publicClients: PublicClients;
  /** Agents acting for people: their records, listed and revoked by the person (docs/people.md). */
  delegations: Delegations;
  /** Revokes every token of a suspended, disabled or deleted person and announces it (docs/people.md). */
  revokePersonTokens: (userId: string, status: PersonRevocationStatus, ctx: RequestContext) => Promise<void>;
}

/**
 * The grants (client credentials, RFC 8693 token exchange of our tokens and of trusted issuers'
 * JWTs, RFC 7523 §2.1 jwt-bearer), sender constraints (DPoP, certificate binding), and the token,
 * introspection and revocation endpoints with RFC 8414 metadata, the JWKS and readiness.
 */
export function wireOAuth(deps: {
  config: Config;
  clock: Clock;
  random: Random;
  store: Store;
  keys: RotatingSigningKeyRing;
  masterKey: Buffer;
  commitLog: CommitLog;
  events: RevocationEvents;
  agents: Agents;
  singleUse: SingleUse;
  mtls: MtlsSetup;
  federation: Federation;
  policies: Policies;
  /** An agent's risk level from its open anomalies (docs/monitoring.md), fed to policies as `context.risk`. */
  riskOf?: ((agentId: string) => RiskLevel) | undefined;
  approvals: Approvals;
  /** The staged cut-over of keys, at every door a key comes through. */
  keyCutover: KeyCutoverGate;
  logger: Logger;
  /** Counts tokens issued and refused; undefined when metrics are off. */
  metrics: ServerMetrics | undefined;
}): OAuth {
  const { config, clock, store, keys, commitLog, agents, singleUse, mtls, federation } = deps;
  const nowMs = () => clock.now();
  const keyOwnerAuth: ClientAuthenticationDeps = {
    issuer: config.issuer,
    directory: agents.directory,
    replayCache: singleUse.replayCache,
    nowMs,
    mtls: mtls.clientAuth,
    limits: singleUse.limits?.clients,
  };
  const clientAuth: ClientAuthenticationDeps = { ...keyOwnerAuth, federation: federation.auth };
  // Our tokens presented back are recognised by a keyed digest kept at issuance (tokens/token-digest.ts).
  const digester = createTokenDigester(deps.masterKey);
  const ownTokens = { issuer: config.issuer, keys, store, digester };
  // Managed API keys exchanged for tokens (docs/migration.md): the key authenticates its agent.
  const apiKeys = apiKeyExchange({ issuer: config.issuer, clock, store, cutover: deps.keyCutover });
  // Agents acting for people: an exchange of a person's token records the pair; revoking it cascades.
  const grantRevocation = { clock, store, lineage: store, events: deps.events, logger: deps.logger };
  const delegations = new Delegations(grantRevocation);
  const grants = new Map<string, GrantHandler>([
    [GRANT_CLIENT_CREDENTIALS, clientCredentialsGrant({ issuer: config.issuer, accessTokenTtl: config.accessTokenTtl, approvals: deps.approvals.gate })],
    [
      GRANT_TOKEN_EXCHANGE,
      tokenExchangeGrant({
        issuer: config.issuer,
        accessTokenTtl: config.accessTokenTtl,
        maxDelegationDepth: config.maxDelegationDepth,
        validators: [ownAccessTokenValidator(ownTokens), federatedSubjectTokenValidator({ verifier: federation.verifier, directory: agents.directory }), apiKeys.validator],
        own: ownTokens,
        agents: store,
        delegations,
      }),
    ],
    [GRANT_JWT_BEARER, federation.grant],
    // OpenID CIBA Core 1.0 §10.1: a token for what a person approved (docs/approvals.md).
    [GRANT_CIBA, deps.approvals.grant],
  ]);
  // People's public clients: registered, or described by a Client ID Metadata Document fetched
  // through the SSRF guard with its own size limit and deadline (docs/oauth.md).
  const publicClients = new PublicClients({
    store,
    documents: new ClientMetadataDocuments({
      fetch: createGuardedFetch({
        allowPrivateNetworks: config.clientMetadataAllowPrivateNetworks,
        connectTimeoutMs: CLIENT_METADATA_TIMEOUT_MS,
        totalTimeoutMs: CLIENT_METADATA_TIMEOUT_MS,
        maxBytes: CLIENT_METADATA_MAX_BYTES,
      }),
      clock,
      audit: commitLog,
      allowLoopback: config.clientMetadataAllowPrivateNetworks,
    }),
    // Agents with redirect URIs are the flow's confidential clients (docs/oauth.md).
    agents: async (agentId) => (await agents.directory.get(agentId))?.agent,
  });
  // The authorization code and refresh token grants (docs/oauth.md).
  const userTokenDeps: UserTokenDeps = {
    ...grantRevocation,
    issuer: config.issuer,
    random: deps.random,
    keys,
    digester,
    commitLog,
    clients: publicClients,
    // Document clients that say private_key_jwt: their keys over the same guard, assertions' jti claimed once.
    documentClients: {
      issuer: config.issuer,
      remoteJwks: new RemoteJwks({ fetch: createGuardedFetch({ allowPrivateNetworks: config.clientMetadataAllowPrivateNetworks }), clock }),
      replayCache: singleUse.replayCache,
    },
    accessTokenTtl: config.accessTokenTtl,
    senderConstraint: singleUse.dpop.check,
    policy: withRisk(deps.policies.decider, deps.riskOf),
    // Agents as confidential clients: their own credentials, their tokens bound as their others are.
    agentAuth: keyOwnerAuth,
    agentSenderConstraint: composeSenderConstraints(singleUse.dpop.check, mtls.senderConstraint),
    delegations,
    onAgentSeen: agents.seen,
  };
  const tokenDeps = {
    ...clientAuth,
    federatedGrant: federation.auth,
    apiKeyGrant: apiKeys.login,
    clock,
    random: deps.random,
    keys,
    digester,
    commitLog,
    grants,
    senderConstraint: composeSenderConstraints(singleUse.dpop.check, mtls.senderConstraint),
    policy: withRisk(deps.policies.decider, deps.riskOf),
    approvals: deps.approvals.gate,
    onClientSeen: agents.seen,
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    userTokens: (request: OAuthRequest, form: FormParameters, grantType: string) => handleUserTokenRequest(userTokenDeps, request, form, grantType),
  };
  const introspectionDeps = { ...clientAuth, clock, keys, store, digester, commitLog, apiKeys: apiKeyIntrospection({ issuer: config.issuer, store, cutover: deps.keyCutover }) };
  const revocationDeps = {
    ...clientAuth,
    clock,
    keys,
    store,
    commitLog,
    onTokenRevoked: (jti: string, agentId: string) => deps.events.publish({ kind: 'token_revoked', jti, agentId, at: clock.now(), reason: 'revoked' }),
  };
  return {
    clientAuth,
    keyOwnerAuth,
    consents: new Consents(grantRevocation),
    publicClients,
    delegations,
    revokePersonTokens: (userId, status, ctx) => revokePersonTokens(grantRevocation, userId, status, ctx),
    publicApp: {
      token: (request) => handleTokenRequest(tokenDeps, request),
      introspect: (request) => handleIntrospectionRequest(introspectionDeps, request),
      keyDigestIntrospect: (request) => handleKeyDigestIntrospection({ ...clientAuth, clock, store, commitLog, cutover: deps.keyCutover }, request),
      revoke: (request) => handleRevocationRequest(revocationDeps, request),
      backchannel: deps.approvals.backchannel(clientAuth),
      metadata: withMutualTls(buildServerMetadata(config.issuer, config.signingAlg, [...deps.approvals.types.keys()]), mtls),
      jwks: () => keys.jwks(),
      ready: async () => {
        let database = true;
        try {
          await store.ping();
        } catch {
          database = false;
        }
        const keysLoaded = keys.ready();
        return { ready: database && keysLoaded, checks: { database, keys: keysLoaded } };
      },
    },
  };
}
