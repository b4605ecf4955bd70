import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { RevocationEvents } from '../../events/revocation-events.js';
import type { AuthorizationStore } from '../../store/ports/authorization-store.js';
import type { TokenLineageStore } from '../../store/ports/token-lineage-store.js';
import type { AuditInput } from '../../store/records.js';
import { descendantsOf, MAX_CASCADE_TOKENS, revokeAsCascade } from '../exchange/cascade-revocation.js';
import { grantLineageId } from './grant-hash.js';

/** What revoking an authorization needs. */
export interface RevokeGrantsDeps {
  clock: Clock;
  store: Pick<AuthorizationStore, 'revokeAuthorizationGrants'>;
  lineage: TokenLineageStore;
  events: RevocationEvents;
  logger: Pick<Logger, 'warn' | 'error'>;
}

/** Why a grant is revoked, as its audit record says. */
export type GrantRevocationReason = 'code_reused' | 'refresh_token_reused' | 'consent_revoked' | 'delegation_revoked' | 'person_suspended' | 'person_disabled' | 'person_deleted';

/**
 * Revokes grants and every access token issued from them (and exchanged from those): RFC 6749
 * §4.1.2 for a code used twice, RFC 9700 §4.14.2 for a refresh token used twice (the whole family),
 * a person's revoked consent, a person's revoked delegation to the agent the authorization was
 * given to (an agent as a confidential client), and a person suspended, disabled or deleted.
 * Each grant newly revoked gets an `authorization_grant.revoked`
 * record in the same transaction; each token an `access_token.revoked` (reason `cascade`), and
 * the revocation feed hears of them.
 */
export async function revokeGrants(deps: RevokeGrantsDeps, grants: readonly { id: string; clientId: string; userId: string }[], reason: GrantRevocationReason, ctx: { actor: string; sourceIp: string | null; requestId: string | null }): Promise<void> {
  if (grants.length === 0) return;
  const now = deps.clock.now();
  const byId = new Map(grants.map((g) => [g.id, g]));
  await deps.store.revokeAuthorizationGrants([...byId.keys()], now, (newly) =>
    newly.map(
      (id): AuditInput => ({
        time: now,
        event: 'authorization_grant.revoked',
        outcome: 'success',
        agentId: null,
        actor: ctx.actor,
        sourceIp: ctx.sourceIp,
        reason,
        requestId: ctx.requestId,
        details: { grant_id: id, client_id: byId.get(id)?.clientId, user_id: byId.get(id)?.userId },
      }),
    ),
  );
  // Tokens are revoked even when the grant was revoked before: a retry finishes what a crash left.
  const { tokens } = await descendantsOf(deps.lineage, grants.map((g) => grantLineageId(g.id)), MAX_CASCADE_TOKENS);
  await revokeAsCascade(deps, tokens, { cause: reason });
}
