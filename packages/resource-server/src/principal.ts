import type { ActorClaim } from '@agentauth/protocol';
import type { TokenBinding, VerifiedAccessTokenClaims } from './verify-access-token.js';

/** Who is calling, as established by a verified access token. */
export interface Principal {
  /** `sub`: the agent the token was issued for (RFC 9068 §2.2). */
  agentId: string;
  /** `client_id`: the client that obtained the token. */
  clientId: string;
  /** `scope` split into scope-tokens (RFC 6749 §3.3). */
  scopes: readonly string[];
  /** `aud` as a list (RFC 7519 §4.1.3). */
  audience: readonly string[];
  /**
   * The delegation chain from `act` (RFC 8693 §4.1) as a flat list: the current actor first,
   * prior actors after it, each entry with its own claims only (its nested `act` is the next
   * entry). Empty for a token used by its own subject.
   */
  actors: readonly Actor[];
  /** `task_id` (agentauth extension), when the token is scoped to a task. */
  taskId: string | undefined;
  /** How the token is bound to its holder, as verified on this request. */
  binding: TokenBinding;
  /** Every claim of the token (or of the introspection response). */
  claims: Readonly<VerifiedAccessTokenClaims>;
  /**
   * Set only when an API key authenticated the request during a migration window: a managed key
   * (`aak_`, the `apiKeys` option) or a third-party key imported by digest (the `legacyKeys`
   * option); its id (`ak_...` or `ik_...`), which kind, and the `Deprecation` and `Sunset`
   * headers to send with the answer (every adapter does).
   */
  apiKey?: {
    id: string;
    kind: 'managed' | 'imported';
    headers: Readonly<Record<string, string>>;
    /** `warn` when the server says the key is in its cut-over's warn stage (docs/migration.md). */
    stage?: 'warn';
  };
}

/** One actor of a delegation chain: an RFC 8693 §4.1 `act` object without the prior actors nested in it. */
export type Actor = Readonly<Omit<ActorClaim, 'act'>> & Readonly<Record<string, unknown>>;

/** Largest `act` nesting walked; deeper chains are cut here, and a depth check sees this many. */
export const MAX_ACTOR_DEPTH = 32;

/**
 * Flattens RFC 8693 §4.1 nested `act` claims, outermost (current actor) first. Each entry keeps
 * its own members and drops `act`, so a caller reading one actor never mistakes the rest of the
 * chain for part of it.
 */
export function actorChain(act: unknown): Actor[] {
  const chain: Actor[] = [];
  let current = act;
  while (typeof current === 'object' && current !== null && !Array.isArray(current) && chain.length < MAX_ACTOR_DEPTH + 1) {
    const { act: prior, ...own } = current as ActorClaim & Record<string, unknown>;
    chain.push(Object.freeze(own) as Actor);
    current = prior;
  }
  return chain;
}

/** Builds the principal from verified claims. */
export function toPrincipal(claims: VerifiedAccessTokenClaims, scopes: readonly string[], binding: TokenBinding): Principal {
  return {
    agentId: claims.sub,
    clientId: claims.client_id,
    scopes,
    audience: typeof claims.aud === 'string' ? [claims.aud] : claims.aud,
    actors: actorChain(claims.act),
    taskId: typeof claims.task_id === 'string' ? claims.task_id : undefined,
    binding,
    claims,
  };
}
