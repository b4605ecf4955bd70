import type { Agent } from './agent.js';
import { InsufficientScopeError } from './insufficient-scope-error.js';
import { checkTokenRequest } from './lib/token-request.js';
import { OAuthClientError } from './oauth-client-error.js';

/**
 * The `fetch` an MCP SDK client transport takes (its `FetchLike`). Declared here rather than
 * imported, so the types of `@agentauth/client/mcp` resolve without the MCP SDK installed.
 */
export type McpFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Options of {@link mcpFetch} and {@link mcpTransportOptions}. */
export interface McpAuthOptions {
  /**
   * The MCP server's canonical URL (`https://mcp.example.com/mcp`): the RFC 8707 `resource` of
   * every token, as the MCP authorization specification asks, and the origin the tokens may go to.
   */
  resource: string;
  /** RFC 6749 §3.3 scope to request (default: what the agent's `resources` option configures). */
  scope?: string;
  /**
   * On a 403 `insufficient_scope` naming a scope (RFC 6750 §3.1), ask once for a token with that
   * scope added and send the request again: the MCP specification's step-up authorization. The
   * authorization server still grants only what the operator allowed. Without `scope`, the step
   * asks for the challenge's scope alone (the agent's configured scope is not known here). Default
   * true; with false, the InsufficientScopeError propagates at once.
   */
  stepUp?: boolean;
}

/**
 * A `fetch` for an MCP client transport (`StreamableHTTPClientTransport`, `SSEClientTransport`)
 * that sends every request through `agent.fetch` with a token for the MCP server: `resource` as
 * RFC 8707 resource, DPoP proofs when the agent has `dpop: true` (RFC 9449), a fresh token on a
 * 401, `use_dpop_nonce` retried, refresh ahead of expiry. A 403 `insufficient_scope` steps up the
 * scope once (see {@link McpAuthOptions.stepUp}); if that is refused or does not help, the request
 * rejects with InsufficientScopeError (its `requiredScope` says what the server needs), which the
 * MCP client's `connect` or `callTool` passes on.
 *
 * The MCP SDK's own `authProvider` is not used: it sends `Authorization: Bearer` only and runs
 * token requests of its own, around the agent's key, cache and DPoP binding.
 *
 * Throws TypeError at once on a malformed `resource` or `scope`; a request to another origin than
 * `resource`'s rejects with TypeError, since the token must not leave the MCP server. Does NOT
 * check the MCP server's RFC 9728 metadata: `resource` is the caller's word.
 */
export function mcpFetch(agent: Agent, options: McpAuthOptions): McpFetch {
  if (typeof agent?.fetch !== 'function') throw new TypeError('agent must be an Agent from createAgent');
  if (typeof options !== 'object' || options === null) throw new TypeError('mcpFetch needs { resource, scope? }');
  if (typeof options.resource !== 'string') throw new TypeError('resource must be the MCP server URL');
  const { resource } = checkTokenRequest({ resource: options.resource, scope: options.scope });
  const origin = new URL(options.resource).origin;
  const stepUp = options.stepUp ?? true;
  let scope = options.scope;

  return async (input, init = {}) => {
    const url = new URL(input);
    if (url.origin !== origin) throw new TypeError(`refusing to send the token for ${resource} to ${url.origin}`);
    try {
      return await agent.fetch(url, { ...init, resource, ...(scope === undefined ? {} : { scope }) });
    } catch (error) {
      const widened = error instanceof InsufficientScopeError && stepUp && !(init.body instanceof ReadableStream) ? addScope(scope, error.requiredScope) : undefined;
      if (widened === undefined) throw error;
      try {
        const response = await agent.fetch(url, { ...init, resource, scope: widened });
        // Later requests (the next tool call) ask for the widened scope at once.
        scope = widened;
        return response;
      } catch (stepUpError) {
        // The agent is not allowed that scope: what the server needs is the useful answer.
        if (stepUpError instanceof OAuthClientError && stepUpError.error === 'invalid_scope') throw error;
        throw stepUpError;
      }
    }
  };
}

/**
 * The options to spread into an MCP client transport's constructor:
 * `new StreamableHTTPClientTransport(new URL(url), mcpTransportOptions(agent, { resource: url }))`.
 * See {@link mcpFetch}.
 */
export function mcpTransportOptions(agent: Agent, options: McpAuthOptions): { fetch: McpFetch } {
  return { fetch: mcpFetch(agent, options) };
}

/** `current` with the challenge's scopes added, or undefined when it adds none (no step can help). */
function addScope(current: string | undefined, required: string | undefined): string | undefined {
  if (required === undefined) return undefined;
  const held = new Set(current === undefined ? [] : current.split(' '));
  const missing = required.split(' ').filter((scope) => scope !== '' && !held.has(scope));
  if (missing.length === 0) return undefined;
  return [...held, ...missing].join(' ');
}
