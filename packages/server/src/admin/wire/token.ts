import type { ActorClaim } from '@agentauth/protocol';
import { Type, type Static } from 'typebox';
import { Enum, JsonObject, NullableString, Page, pagination, StringMap, Time } from './primitives.js';

/**
 * Issued tokens on the admin API's wire: an agent's unexpired tokens, the RFC 8693 lineage of one
 * token, and a revocation by `jti` (docs/admin-api.md, "Agent tokens", "Token chains"). The token
 * itself is never stored, so never shown.
 */

/** How a token is bound to its holder (RFC 9449 DPoP, RFC 8705 certificate), or not at all. */
export const TOKEN_BINDINGS = ['bearer', 'dpop', 'mtls'] as const;
export type TokenBinding = (typeof TOKEN_BINDINGS)[number];

const Audience = Type.Union([Type.Array(Type.String()), Type.Null()]);

/** Path parameters of `/tokens/{jti}/...`: our `jti`s are base64url; nothing else names a token of ours. */
export const TokenParams = Type.Object({ jti: Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$' }) }, { additionalProperties: false });

/** `GET /agents/{id}/tokens` query. */
export const AgentTokensQuery = Type.Object(pagination, { additionalProperties: false });
export type AgentTokensQuery = Static<typeof AgentTokensQuery>;

/** One of an agent's unexpired tokens. */
export const AgentToken = Type.Object(
  {
    jti: Type.String(),
    // The subject agent.
    sub: Type.String(),
    // The agent that obtained it (differs from `sub` for a token obtained by exchange, RFC 8693).
    client_id: Type.String(),
    parent_jti: NullableString,
    issued_at: Time,
    expires_at: Time,
    // Revoked by `jti`, or issued before its subject or client was suspended, disabled or deleted.
    revoked: Type.Boolean(),
    // From the token's `access_token.issued` audit record; null when that record is not found.
    scope: NullableString,
    aud: Audience,
    binding: Type.Union([Enum(TOKEN_BINDINGS), Type.Null()]),
    cnf: Type.Union([StringMap(Type.String(), { description: 'RFC 7800 confirmation: jkt (RFC 9449) or x5t#S256 (RFC 8705)' }), Type.Null()]),
  },
  { description: "One of an agent's unexpired tokens (docs/admin-api.md, \"Agent tokens\"); the token itself is never stored." },
);
export type AgentToken = Static<typeof AgentToken>;

/** `GET /agents/{id}/tokens` answer. */
export const AgentTokenPage = Page(AgentToken);
export type AgentTokenPage = Static<typeof AgentTokenPage>;

/** One token of a lineage. */
export const TokenChainNode = Type.Object({
  jti: Type.String(),
  parent_jti: NullableString,
  // The subject agent.
  sub: Type.String(),
  // The client that obtained it: the current actor for an exchanged token.
  client_id: Type.String(),
  issued_at: Time,
  expires_at: Time,
  revoked: Type.Boolean(),
  // From the token's `access_token.issued` audit record; null when that record is not found.
  scope: NullableString,
  aud: Audience,
  act: Type.Union([JsonObject<ActorClaim>({ description: 'RFC 8693 §4.1 actor claim' }), Type.Null()]),
  task_id: NullableString,
});
export type TokenChainNode = Static<typeof TokenChainNode>;

/** `GET /tokens/{jti}/chain` answer: ancestors (root first), the token, descendants (breadth first). */
export const TokenChain = Type.Object({
  jti: Type.String(),
  ancestors: Type.Array(TokenChainNode),
  token: TokenChainNode,
  // Breadth first; rebuild the tree from `parent_jti`.
  descendants: Type.Array(TokenChainNode),
  // True when more descendants exist than one view lists.
  truncated: Type.Boolean(),
});
export type TokenChain = Static<typeof TokenChain>;

/** `POST /tokens/{jti}/revoke` answer. */
export const TokenRevocation = Type.Object({ jti: Type.String(), revoked: Type.Boolean() });
export type TokenRevocation = Static<typeof TokenRevocation>;
