import type { AuthorizationStore, ConsentRecord } from '../../store/ports/authorization-store.js';
import type { DelegationStore } from '../../store/ports/delegation-store.js';
import type { AuthorizationRequest } from './authorization-request.js';
import type { RequestContext } from './authorization-codes.js';
import { revokeGrants, type RevokeGrantsDeps } from './revoke-grants.js';

/** Most consents one person's list shows, and most grants one revocation walks. */
export const MAX_CONSENTS = 200;
const MAX_GRANTS_PER_CONSENT = 1000;

/** What consents need. */
export interface ConsentsDeps extends RevokeGrantsDeps {
  store: RevokeGrantsDeps['store'] & Pick<AuthorizationStore, 'saveConsent' | 'getConsent' | 'listConsents' | 'deleteConsent' | 'listAuthorizationGrants'> & Pick<DelegationStore, 'listDelegations'>;
}

/**
 * A person's remembered consents (docs/people.md, "Consent"): what a client may ask on their
 * behalf, per resource. A remembered consent covers a later request only for the same client and
 * resource and for scopes it already covers; anything more asks again. Nor does it cover a request
 * once the person has revoked an agent acting for them through that client since consenting: a new
 * authorization re-enables that agent (docs/people.md, "Agents acting for you"), so it takes the
 * person's click on the consent page, never a silent redirect. Granting and revoking are
 * audited (`consent.granted`, `consent.revoked`) in the same transaction as the change; revoking
 * also revokes every authorization the person gave that client for that resource and the tokens
 * issued from them.
 */
export class Consents {
  constructor(private readonly deps: ConsentsDeps) {}

  /** Whether a remembered consent covers `request` for `userId`. */
  async covers(userId: string, request: Pick<AuthorizationRequest, 'client' | 'resource' | 'scopes'>): Promise<boolean> {
    const consent = await this.deps.store.getConsent(userId, request.client.clientId, request.resource);
    if (consent === undefined || !request.scopes.every((s) => consent.scopes.includes(s))) return false;
    const delegations = await this.deps.store.listDelegations(userId, MAX_CONSENTS);
    return !delegations.some((d) => d.clientId === request.client.clientId && d.revokedAt !== null && d.revokedAt >= consent.grantedAt);
  }

  /** Remembers the person's consent to `request` (replacing an earlier one for the same client and resource). */
  async grant(userId: string, request: Pick<AuthorizationRequest, 'client' | 'resource' | 'scopes'>, ctx: RequestContext): Promise<void> {
    const now = this.deps.clock.now();
    const record: ConsentRecord = { userId, clientId: request.client.clientId, resource: request.resource, scopes: [...request.scopes], grantedAt: now };
    await this.deps.store.saveConsent(record, [
      { time: now, event: 'consent.granted', outcome: 'success', agentId: null, actor: ctx.actor, sourceIp: ctx.sourceIp, reason: null, requestId: ctx.requestId, details: { user_id: userId, client_id: record.clientId, resource: record.resource, scope: record.scopes.join(' ') } },
    ]);
  }

  list(userId: string): Promise<ConsentRecord[]> {
    return this.deps.store.listConsents(userId, MAX_CONSENTS);
  }

  /** Forgets a consent and revokes what it allowed; false when there was none. */
  async revoke(userId: string, clientId: string, resource: string, ctx: RequestContext): Promise<boolean> {
    const now = this.deps.clock.now();
    const deleted = await this.deps.store.deleteConsent(userId, clientId, resource, [
      { time: now, event: 'consent.revoked', outcome: 'success', agentId: null, actor: ctx.actor, sourceIp: ctx.sourceIp, reason: null, requestId: ctx.requestId, details: { user_id: userId, client_id: clientId, resource } },
    ]);
    // Grants are revoked even when the consent was gone already: a retry finishes what a crash left.
    const grants = (await this.deps.store.listAuthorizationGrants(userId, clientId, MAX_GRANTS_PER_CONSENT)).filter((g) => g.resource === resource && g.revokedAt === null);
    await revokeGrants(this.deps, grants, 'consent_revoked', ctx);
    return deleted;
  }
}
