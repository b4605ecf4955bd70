import type { Logger } from 'pino';
import { createPersonAuthenticator, type PersonAuthenticator } from '../admin/authenticate-person.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { FailureLimiter } from '../limits/failure-limiter.js';
import { createGuardedWebFetch } from '../net/guarded-web-fetch.js';
import type { AgentService } from '../agents/agent-service.js';
import { LoginProviderService } from '../people/login-provider-service.js';
import { OwnedAgents } from '../people/owned-agents.js';
import { PasskeyRegistration } from '../people/passkey-registration.js';
import { PasskeySignIn } from '../people/passkey-sign-in.js';
import { Sessions } from '../people/sessions.js';
import { SignIn } from '../people/sign-in.js';
import { TotpEnrolment } from '../people/totp-enrolment.js';
import { UpstreamClients } from '../people/upstream-client.js';
import { UpstreamSignIn } from '../people/upstream-sign-in.js';
import { UserService, type UserServiceDeps } from '../people/user-service.js';
import { relyingPartyOf, WebAuthnChallenges } from '../people/webauthn-relying-party.js';
import type { Random } from '../random.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import type { LoginProviderStore } from '../store/ports/login-provider-store.js';
import type { PasskeyStore } from '../store/ports/passkey-store.js';
import type { UserStore } from '../store/ports/user-store.js';
import type { Lifecycle } from './lifecycle.js';

/** How often timed-out sessions are deleted (ms). */
const SESSION_PRUNE_MS = 5 * 60_000;

/** People: the registry, sign-in, sessions, TOTP enrolment, passkeys and the session check of the admin API. */
export interface People {
  users: UserService;
  sessions: Sessions;
  signIn: SignIn;
  enrolment: TotpEnrolment;
  authenticatePerson: PersonAuthenticator;
  loginProviders: LoginProviderService;
  upstream: UpstreamSignIn;
  /** The agents a person owns, which they list, suspend and resume (docs/people.md, "Your agents"). */
  owned: OwnedAgents;
  registration: PasskeyRegistration;
  passkeySignIn: PasskeySignIn;
}

/** Builds people's services (docs/people.md) and prunes timed-out sessions every five minutes. */
export function wirePeople(deps: {
  config: Config;
  clock: Clock;
  random: Random;
  logger: Logger;
  store: UserStore & LoginProviderStore & AuditStore & PasskeyStore;
  audit: AuditLog;
  /** The registry's operations an owner may use on their own agents. */
  agents: AgentService;
  /** Revokes a suspended, disabled or deleted person's tokens on the revocation feed. */
  revokeTokens: NonNullable<UserServiceDeps['revokeTokens']>;
  masterKey: Buffer;
  limiter: FailureLimiter | undefined;
  lifecycle: Lifecycle;
}): People {
  const { config, clock, random, store } = deps;
  const idleMs = config.sessionIdleTimeout * 1000;
  const sessions = new Sessions({ clock, random, store, idleMs, absoluteMs: Math.max(config.sessionMaxAge, config.sessionIdleTimeout) * 1000 });
  const signIn = new SignIn({
    clock,
    store,
    audit: deps.audit,
    sessions,
    masterKey: deps.masterKey,
    lockout: { failures: config.loginLockoutFailures, durationMs: config.loginLockoutDuration * 1000 },
    limiter: deps.limiter,
  });
  const enrolment = new TotpEnrolment({ clock, random, store, masterKey: deps.masterKey, issuerLabel: `agentauth ${new URL(config.issuer).hostname}` });
  const clients = new UpstreamClients({ clock, masterKey: deps.masterKey, fetch: createGuardedWebFetch({ allowPrivateNetworks: config.loginProvidersAllowPrivateNetworks }) });
  const loginProviders = new LoginProviderService({ clock, store, masterKey: deps.masterKey, onChange: (id) => clients.forget(id) });
  const upstream = new UpstreamSignIn({ clock, random, store, audit: deps.audit, sessions, clients, masterKey: deps.masterKey, issuer: config.issuer, limiter: deps.limiter });
  // Passkeys: the RP ID and origin are the issuer's (docs/people.md, "Passkeys").
  const relyingParty = relyingPartyOf(config.issuer);
  const challenges = new WebAuthnChallenges({ clock, random, store });
  const registration = new PasskeyRegistration({ clock, store, audit: deps.audit, challenges, relyingParty });
  const passkeySignIn = new PasskeySignIn({ clock, store, audit: deps.audit, challenges, relyingParty, signIn });
  const prune = async () => {
    await store.pruneSessions(clock.now(), idleMs);
    await store.pruneLoginRequests(clock.now());
    await store.pruneWebAuthnChallenges(clock.now());
  };
  const timer = setInterval(() => prune().catch((error: unknown) => deps.logger.warn({ err: error }, 'pruning sessions failed')), SESSION_PRUNE_MS);
  timer.unref();
  deps.lifecycle.onClose('session pruning', () => clearInterval(timer));
  return {
    users: new UserService({ clock, random, store, revokeTokens: deps.revokeTokens }),
    sessions,
    signIn,
    enrolment,
    authenticatePerson: createPersonAuthenticator(sessions),
    loginProviders,
    upstream,
    owned: new OwnedAgents({ agents: deps.agents, audit: store }),
    registration,
    passkeySignIn,
  };
}
