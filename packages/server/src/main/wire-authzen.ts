import { AUTHZEN_PATHS, SCOPE_AUTHORIZE, type PdpMetadata } from '@agentauth/protocol';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { AuthZenRoutesOptions } from '../http/authzen-routes.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { ClientDirectory } from '../oauth/client-directory.js';
import { insufficientScope, invalidToken } from '../oauth/oauth-error.js';
import { checkOwnApiToken } from '../oauth/own-api-token.js';
import { AuthZenPdp } from '../authzen/authzen-pdp.js';
import { DecisionTally } from '../authzen/decision-tally.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';
import type { Policies } from './wire-policy.js';

/** How often the decision tally is written to the audit log (ms). */
const TALLY_INTERVAL_MS = 60_000;

/** The AuthZEN PDP: its routes' options, and the tally of its decisions. */
export interface AuthZen {
  routes: AuthZenRoutesOptions;
  pdp: AuthZenPdp;
  tally: DecisionTally;
}

/**
 * The AuthZEN Policy Decision Point over the policy set in force (docs/authzen.md): the PDP, its
 * callers' check (an access token of ours with `agentauth:authorize`, by `checkOwnApiToken`, the
 * one check of every own API), and the tally of decisions, written as one audit record per service
 * each minute and once more at shutdown.
 */
export function wireAuthZen(deps: { config: Config; clock: Clock; logger: Logger; store: Store; keys: SigningKeyRing; audit: AuditLog; directory: ClientDirectory; policies: Policies; lifecycle: Lifecycle }): AuthZen {
  const { config, clock, logger } = deps;
  const tally = new DecisionTally({ audit: deps.audit, clock });
  const pdp = new AuthZenPdp({
    current: () => deps.policies.directory.current(),
    agent: async (id) => (await deps.directory.get(id))?.agent,
    clock,
    timeZone: config.policyTimeZone,
    onOutcome: (pep, outcome, version) => tally.add(pep, outcome, version),
    onError: (detail) => logger.warn(detail, 'a policy failed to evaluate an AuthZEN request: denied'),
  });
  const flush = () => tally.flush().catch((error: unknown) => logger.error({ err: error }, 'writing the AuthZEN decision tally failed'));
  const timer = setInterval(flush, TALLY_INTERVAL_MS);
  timer.unref();
  deps.lifecycle.onClose('AuthZEN decision tally', async () => {
    clearInterval(timer);
    await flush();
  });

  const ownApi = { issuer: config.issuer, clock, keys: deps.keys, store: deps.store };
  const metadata: PdpMetadata = {
    policy_decision_point: config.issuer,
    access_evaluation_endpoint: config.issuer + AUTHZEN_PATHS.evaluation,
    access_evaluations_endpoint: config.issuer + AUTHZEN_PATHS.evaluations,
  };
  return {
    pdp,
    tally,
    routes: {
      metadata,
      pdp,
      audit: deps.audit,
      clock,
      async authenticate(authorization) {
        const checked = await checkOwnApiToken(ownApi, authorization, SCOPE_AUTHORIZE);
        if (checked.ok) return { agentId: checked.agentId };
        if (checked.status === 403) throw insufficientScope(SCOPE_AUTHORIZE, `access token of ${checked.agentId ?? 'unknown'} lacks ${SCOPE_AUTHORIZE}`);
        // RFC 6750 §3.1: a request without credentials gets a bare challenge, without an error code.
        throw invalidToken(checked.reason, checked.presented);
      },
    },
  };
}
