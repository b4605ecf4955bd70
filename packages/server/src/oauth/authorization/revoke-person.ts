import type { AuthorizationStore } from '../../store/ports/authorization-store.js';
import type { TokenStore } from '../../store/ports/token-store.js';
import type { IssuedTokenRecord } from '../../store/records.js';
import { descendantsOf, MAX_CASCADE_TOKENS, revokeAsCascade } from '../exchange/cascade-revocation.js';
import { revokeGrants, type RevokeGrantsDeps } from './revoke-grants.js';

/** Most of a person's authorizations one revocation walks; beyond it, introspection still refuses (the person is not active). */
const MAX_GRANTS = 1000;
/** One page of a person's tokens. */
const TOKEN_PAGE = 500;

/** Why a person's tokens go: the person was suspended, disabled or deleted. */
export type PersonRevocationStatus = 'suspended' | 'disabled' | 'deleted';

/** What revoking a person's tokens needs: the grants, the tokens by subject, the lineage, the feed. */
export interface PersonRevocationDeps extends RevokeGrantsDeps {
  store: RevokeGrantsDeps['store'] & Pick<AuthorizationStore, 'listUnrevokedGrants'> & Pick<TokenStore, 'listAgentTokens'>;
}

/**
 * Everything a person holds stops working, and every service hears of it (docs/people.md, "When a
 * person is suspended"), as an agent's suspension does:
 *
 * 1. the revocation feed hears `person_revoked` at once: a CAEP `session-revoked` about the person
 *    (`iss_sub`, `sub` the person's id), whose `event_timestamp` tells resource servers that every
 *    token whose `sub` is the person, issued before then, is revoked: their own tokens and the
 *    tokens agents obtained by exchanging them alike (RFC 8693 keeps the person as `sub`);
 * 2. every authorization the person gave (RFC 6749 §4.1: the code and its refresh-token family) is
 *    revoked (`authorization_grant.revoked`, reason `person_<status>`), so resuming the person does
 *    not bring old refresh tokens back (RFC 9700 §4.14.2): their applications ask again;
 * 3. every live token whose `sub` is the person, and every token exchanged from those, is revoked
 *    by `jti` (`access_token.revoked`, reason `cascade`, cause `person_<status>`) and announced
 *    on the feed, so it stays revoked after the person is resumed, on every node.
 *
 * Idempotent: a retry finishes what a crash left. Introspection already refuses these tokens from
 * the status change on (`person-standing.ts`); this makes it explicit and lasting.
 */
export async function revokePersonTokens(deps: PersonRevocationDeps, userId: string, status: PersonRevocationStatus, ctx: { actor: string; sourceIp: string | null; requestId: string | null }): Promise<void> {
  const now = deps.clock.now();
  deps.events.publish({ kind: 'person_revoked', userId, status, at: now }, (error) => deps.logger.error({ err: error }, 'a revocation listener failed'));
  const reason = `person_${status}` as const;
  await revokeGrants(deps, await deps.store.listUnrevokedGrants(userId, MAX_GRANTS), reason, ctx);
  const own = await tokensOf(deps, userId, now);
  const below = await descendantsOf(
    deps.lineage,
    own.map((t) => t.jti),
    MAX_CASCADE_TOKENS,
  );
  if (below.truncated || own.length >= MAX_CASCADE_TOKENS) deps.logger.warn({ userId }, 'revoking a person\'s tokens stopped at its limit; introspection still refuses the rest');
  const seen = new Set<string>();
  const live = [...own, ...below.tokens].filter((t) => t.expiresAt > now && !seen.has(t.jti) && seen.add(t.jti));
  await revokeAsCascade(deps, live, { cause: reason, user_id: userId });
}

/**
 * The unexpired issued-token records that name the person: those agents obtained by exchanging the
 * person's tokens. (The records of the authorization code flow's tokens name the client that holds
 * them; step 2 reaches them through their authorization's lineage.)
 */
async function tokensOf(deps: PersonRevocationDeps, userId: string, now: number): Promise<IssuedTokenRecord[]> {
  const out: IssuedTokenRecord[] = [];
  let after: string | undefined;
  while (out.length < MAX_CASCADE_TOKENS) {
    const page = await deps.store.listAgentTokens(userId, now, { limit: TOKEN_PAGE, ...(after === undefined ? {} : { after }) });
    out.push(...page.items.filter((t) => t.agentId === userId));
    if (page.next === undefined) break;
    after = page.next;
  }
  return out.slice(0, MAX_CASCADE_TOKENS);
}
