import type { AuthorizationStore } from '../../store/ports/authorization-store.js';
import type { DelegationRecord, DelegationStore } from '../../store/ports/delegation-store.js';
import type { AuditInput } from '../../store/records.js';
import type { RequestContext } from '../authorization/authorization-codes.js';
import { descendantsOf, MAX_CASCADE_TOKENS, revokeAsCascade, type CascadeDeps } from '../exchange/cascade-revocation.js';
import type { PersonChainRoot } from '../exchange/person-standing.js';
import { invalidRequest } from '../oauth-error.js';
import { revokeGrants } from '../authorization/revoke-grants.js';

/** Most agents one person's list shows. */
export const MAX_DELEGATIONS = 200;
/** Most authorizations one revocation walks (as for a consent). */
const MAX_GRANTS_PER_DELEGATION = 1000;

/** What delegations need: the store, and the cascade that revokes tokens on the revocation feed. */
export interface DelegationsDeps extends CascadeDeps {
  store: Pick<DelegationStore, 'getDelegation' | 'recordDelegationUse' | 'listDelegations' | 'revokeDelegation' | 'listDelegatedTokens'> &
    Pick<AuthorizationStore, 'listAuthorizationGrants' | 'revokeAuthorizationGrants'>;
}

/** A token an agent just obtained for a person, as the record of the pair takes it. */
export interface DelegatedToken {
  jti: string;
  scopes: readonly string[];
  audience: readonly string[];
  /** ms */
  issuedAt: number;
  /** ms */
  expiresAt: number;
  parentJti: string | null;
}

/**
 * Agents acting for people (docs/people.md, "Agents acting for you"): the record of "agent A acts
 * for person U", made by the first RFC 8693 exchange of U's token by A, which U lists and revokes.
 *
 * - `admit` refuses an exchange for a pair the person revoked, with `invalid_request` (RFC 8693
 *   §2.2.2: a subject token unacceptable by policy is `invalid_request`, whatever the reason),
 *   until the person authorizes again: a subject token whose authorization was given after the revocation (a new
 *   run of the authorization code flow through `/authorize`; refreshing tokens of an older
 *   authorization does not count).
 * - `recordUse`, after the token is committed, records the exchange in one conditional write
 *   (`delegation.created` the first time, `delegation.resumed` when a new authorization re-enables
 *   the pair). Should the person have revoked the pair between `admit` and the commit, the token
 *   just issued is revoked on the feed and the exchange refused; introspection already finds it
 *   inactive (`revokedBefore`).
 * - `revoke` revokes the pair (`delegation.revoked`) and every live token the agent obtained for
 *   the person, and those exchanged from them, on the revocation feed (`access_token.revoked`,
 *   reason `cascade`). When the agent is itself a client of the authorization code flow, every
 *   authorization the person gave it is revoked too (`authorization_grant.revoked`,
 *   `delegation_revoked`): its refresh tokens stop working, and a new authorization takes the
 *   person's click on the consent page again (`Consents.covers`).
 */
export class Delegations {
  constructor(private readonly deps: DelegationsDeps) {}

  /** Refuses (`invalid_request`) an exchange by `agentId` for the person of `root` when the person revoked the pair since `root`'s authorization. */
  async admit(root: PersonChainRoot, agentId: string): Promise<void> {
    const existing = await this.deps.store.getDelegation(root.userId, agentId);
    const revokedAt = existing?.revokedAt ?? null;
    if (revokedAt !== null && revokedAt >= root.grantCreatedAt) {
      throw invalidRequest('the person revoked this agent\'s right to act for them; a new authorization by the person re-enables it', `the person revoked this agent's delegation; the authorization ${root.grantId} predates the revocation`);
    }
  }

  /** Records a successful exchange; refuses it (after revoking the token) when the pair was revoked meanwhile. */
  async recordUse(root: PersonChainRoot, agentId: string, token: DelegatedToken, ctx: RequestContext): Promise<void> {
    const now = this.deps.clock.now();
    const details = { user_id: root.userId, agent_id: agentId, grant_id: root.grantId, client_id: root.clientId, scope: token.scopes.join(' '), aud: [...token.audience], jti: token.jti };
    const result = await this.deps.store.recordDelegationUse(
      { userId: root.userId, agentId, grantId: root.grantId, clientId: root.clientId, grantCreatedAt: root.grantCreatedAt, scopes: token.scopes, resources: token.audience, at: now },
      (kind): AuditInput[] => [{ time: now, event: kind === 'created' ? 'delegation.created' : 'delegation.resumed', outcome: 'success', agentId, actor: ctx.actor, sourceIp: ctx.sourceIp, reason: null, requestId: ctx.requestId, details }],
    );
    if (result.kind !== 'revoked') return;
    await revokeAsCascade(this.deps, [{ jti: token.jti, agentId: root.userId, clientId: agentId, issuedAt: token.issuedAt, expiresAt: token.expiresAt, parentJti: token.parentJti, tokenDigest: null }], { cause: 'delegation_revoked', user_id: root.userId, agent_id: agentId });
    throw invalidRequest('the person revoked this agent\'s right to act for them', 'the person revoked this agent\'s delegation while the token was issued');
  }

  list(userId: string): Promise<DelegationRecord[]> {
    return this.deps.store.listDelegations(userId, MAX_DELEGATIONS);
  }

  /**
   * Revokes the pair and the tokens exchanged for it; false when there was no standing pair. The
   * tokens are revoked even then: a retry finishes what a crash left.
   */
  async revoke(userId: string, agentId: string, ctx: RequestContext): Promise<boolean> {
    const now = this.deps.clock.now();
    const revoked = await this.deps.store.revokeDelegation(userId, agentId, now, [
      { time: now, event: 'delegation.revoked', outcome: 'success', agentId, actor: ctx.actor, sourceIp: ctx.sourceIp, reason: null, requestId: ctx.requestId, details: { user_id: userId, agent_id: agentId } },
    ]);
    const direct = await this.deps.store.listDelegatedTokens(userId, agentId, now, MAX_CASCADE_TOKENS);
    const below = await descendantsOf(
      this.deps.lineage,
      direct.map((t) => t.jti),
      MAX_CASCADE_TOKENS,
    );
    if (below.truncated) this.deps.logger.warn({ userId, agentId }, 'delegation revocation stopped at its limit; introspection still refuses the rest');
    await revokeAsCascade(this.deps, [...direct, ...below.tokens].filter((t) => t.expiresAt > now), { cause: 'delegation_revoked', user_id: userId, agent_id: agentId });
    // The agent as a confidential client (docs/oauth.md): the authorizations given to it, with their refresh families.
    const grants = (await this.deps.store.listAuthorizationGrants(userId, agentId, MAX_GRANTS_PER_DELEGATION)).filter((g) => g.revokedAt === null);
    await revokeGrants(this.deps, grants, 'delegation_revoked', ctx);
    return revoked;
  }
}
