import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { createGuardedFetch } from '../net/guarded-fetch.js';
import { RemoteJwks } from '../net/remote-jwks.js';
import type { GrantHandler } from '../oauth/grants/grant-handler.js';
import type { ReplayCache } from '../oauth/replay-cache.js';
import type { Random } from '../random.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { FederationStore } from '../store/ports/federation-store.js';
import { FederatedClientAuth } from '../federation/federated-client-auth.js';
import { FederatedJwtVerifier } from '../federation/federated-jwt-verifier.js';
import { FederationDirectory } from '../federation/federation-directory.js';
import { FederationService } from '../federation/federation-service.js';
import { jwtBearerGrant } from '../federation/jwt-bearer-grant.js';
import type { Lifecycle } from './lifecycle.js';

/** How often other nodes' federation changes are looked for, ms. */
const FEDERATION_POLL_MS = 1000;

/**
 * The one remote-JWKS cache of a server process, for agents' `jwks_uri` and trusted issuers alike,
 * over the SSRF-guarded fetch configured by `federationAllowPrivateNetworks` / `federationCaFile`.
 */
export function wireRemoteJwks(config: Pick<Config, 'federationAllowPrivateNetworks' | 'federationCaFile'>, clock: Clock): RemoteJwks {
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
}

/**
 * Federated workload login (docs/federation.md): trusted issuers and binding rules loaded from the
 * database and watched for other nodes' changes, the verifier of their JWTs, and the three doors
 * they open: the RFC 7523 §2.1 grant, a federated `client_assertion`, a token-exchange
 * `subject_token` (the validator is added by the OAuth wiring).
 */
export async function wireFederation(deps: {
  config: Pick<Config, 'issuer' | 'accessTokenTtl'>;
  clock: Clock;
  random: Random;
  logger: Pick<Logger, 'error'>;
  store: FederationStore;
  agents: Pick<AgentStore, 'getAgent'>;
  replayCache: ReplayCache;
  remoteJwks: RemoteJwks;
  lifecycle: Lifecycle;
}): Promise<Federation> {
  const { store } = deps;
  const directory = new FederationDirectory(store);
  await directory.reload();
  deps.lifecycle.onClose('federation change poll', directory.watch(FEDERATION_POLL_MS, (error) => deps.logger.error({ err: error }, 'federation change poll failed')));
  const verifier = new FederatedJwtVerifier({ directory, remoteJwks: deps.remoteJwks, replayCache: deps.replayCache, clock: deps.clock });
  const auth = new FederatedClientAuth(verifier);
  const service = new FederationService({
    issuer: deps.config.issuer,
    clock: deps.clock,
    random: deps.random,
    store,
    agents: deps.agents,
    onChanged: () => directory.reload(),
  });
  const grant = jwtBearerGrant({ issuer: deps.config.issuer, accessTokenTtl: deps.config.accessTokenTtl, federation: auth, nowMs: () => deps.clock.now() });
  return { service, directory, verifier, auth, grant };
}

/**
 * A `FederationService` over the store alone, for an admin API built without the rest of the
 * server (tests, tools): running servers see its changes through the change counter.
 */
export function federationServiceOf(deps: { config: Pick<Config, 'issuer'>; clock: Clock; random: Random; store: AgentStore & FederationStore }): FederationService {
  return new FederationService({
    issuer: deps.config.issuer,
    clock: deps.clock,
    random: deps.random,
    store: deps.store,
    agents: deps.store,
    onChanged: async () => undefined,
  });
}
