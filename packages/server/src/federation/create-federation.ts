import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { createGuardedFetch } from '../net/guarded-fetch.js';
import { RemoteJwks } from '../net/remote-jwks.js';
import type { GrantHandler } from '../oauth/grants/grant-handler.js';
import type { ReplayCache } from '../oauth/replay-cache.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { FederationStore } from '../store/ports/federation-store.js';
import { FederatedClientAuth } from './federated-client-auth.js';
import { FederatedJwtVerifier } from './federated-jwt-verifier.js';
import { FederationDirectory } from './federation-directory.js';
import { FederationService } from './federation-service.js';
import { jwtBearerGrant } from './jwt-bearer-grant.js';

/** How often other nodes' federation changes are looked for, ms. */
const FEDERATION_POLL_MS = 1000;

/**
 * The one remote-JWKS cache of a server process, for agents' `jwks_uri` and trusted issuers alike,
 * over the SSRF-guarded fetch configured by `federationAllowPrivateNetworks` / `federationCaFile`.
 */
export function createRemoteJwks(config: Pick<Config, 'federationAllowPrivateNetworks' | 'federationCaFile'>, clock: Clock): RemoteJwks {
  const extraCa = config.federationCaFile === undefined ? undefined : readFileSync(config.federationCaFile, 'utf8');
  const fetch = createGuardedFetch({ allowPrivateNetworks: config.federationAllowPrivateNetworks, ...(extraCa === undefined ? {} : { extraCa }) });
  return new RemoteJwks({ fetch, clock });
}

/** Everything federated workload login needs, wired (docs/federation.md). */
export interface Federation {
  service: FederationService;
  directory: FederationDirectory;
  verifier: FederatedJwtVerifier;
  /** For `ClientAuthenticationDeps.federation` / `.federatedGrant`. */
  auth: FederatedClientAuth;
  /** The RFC 7523 §2.1 grant handler, for `grant_type` jwt-bearer. */
  grant: GrantHandler;
  /** Stops the change poll. */
  stop(): void;
}

/** Builds the federation parts over the server's database and loads the issuers and rules. */
export async function createFederation(deps: {
  config: Pick<Config, 'issuer' | 'accessTokenTtl'>;
  clock: Clock;
  random: Random;
  logger: Pick<Logger, 'error'>;
  store: FederationStore;
  agents: Pick<AgentStore, 'getAgent'>;
  audit: AuditLog;
  replayCache: ReplayCache;
  remoteJwks: RemoteJwks;
}): Promise<Federation> {
  const { store } = deps;
  const directory = new FederationDirectory(store);
  await directory.reload();
  const stop = directory.watch(FEDERATION_POLL_MS, (error) => deps.logger.error({ err: error }, 'federation change poll failed'));
  const verifier = new FederatedJwtVerifier({ directory, remoteJwks: deps.remoteJwks, replayCache: deps.replayCache, clock: deps.clock });
  const auth = new FederatedClientAuth(verifier);
  const service = new FederationService({
    issuer: deps.config.issuer,
    clock: deps.clock,
    random: deps.random,
    store,
    agents: deps.agents,
    audit: deps.audit,
    onChanged: () => directory.reload(),
  });
  const grant = jwtBearerGrant({ issuer: deps.config.issuer, accessTokenTtl: deps.config.accessTokenTtl, federation: auth, nowMs: () => deps.clock.now() });
  return { service, directory, verifier, auth, grant, stop };
}

/**
 * A `FederationService` over the store alone, for an admin app built without the rest of the
 * server (tests, tools): changes are seen by running servers through the change counter.
 */
export function federationServiceOf(deps: { config: Pick<Config, 'issuer'>; clock: Clock; random: Random; store: AgentStore & FederationStore; audit: AuditLog }): FederationService {
  return new FederationService({
    issuer: deps.config.issuer,
    clock: deps.clock,
    random: deps.random,
    store: deps.store,
    agents: deps.store,
    audit: deps.audit,
    onChanged: async () => undefined,
  });
}
