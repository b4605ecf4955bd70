import { DynamicStructuredTool, type DynamicStructuredToolInput, type ToolSchemaBase } from '@langchain/core/tools';
import type { Agent } from './agent.js';
import { InsufficientScopeError } from './insufficient-scope-error.js';
import { checkTokenRequest } from './lib/token-request.js';
import { OAuthClientError } from './oauth-client-error.js';

/** `agent.fetch` with the tool's resource and scope already chosen. */
export type ToolFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The input a tool's `call` receives: what its schema parses to. */
export type ToolInput<SchemaT extends ToolSchemaBase> = Parameters<DynamicStructuredToolInput<SchemaT>['func']>[0];

/** Options of {@link agentTool}. */
export interface AgentToolOptions<SchemaT extends ToolSchemaBase> {
  /** The tool's name, as the model calls it. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** The input schema (zod or JSON Schema), as LangChain's `tool()` takes it. */
  schema: SchemaT;
  /** RFC 8707 resource the tool's tokens are for (default: derived from each URL, as `agent.fetch`). */
  resource?: string;
  /** RFC 6749 §3.3 scope the tool needs: each tool asks for its own, least privilege per tool. */
  scope?: string;
  /**
   * Does the work with `fetch` (the agent's, with this tool's resource and scope). A `Response`
   * it returns becomes the tool result: the body text of a 2xx, a readable refusal for
   * a 401 or 403, the status for anything else. Any other value is the result as it is (objects as JSON).
   */
  call: (input: ToolInput<SchemaT>, fetch: ToolFetch) => Promise<unknown>;
}

/**
 * A LangChain tool (`DynamicStructuredTool` of `@langchain/core`, an optional peer dependency)
 * whose calls go through `agent.fetch` with the tool's own `resource` and `scope`: each tool holds
 * a token for its API only, DPoP-bound when the agent has `dpop: true`.
 *
 * A refusal the model can act on becomes a tool result it can read rather than an exception that
 * ends the run: InsufficientScopeError (the API's RFC 6750 403 `insufficient_scope`, with the scope
 * it needs), the authorization server's `invalid_scope` (the agent is not allowed the tool's scope),
 * and a 401/403 `Response`. Each is JSON `{ "error", "required_scope"?, "message" }`, with no token
 * in it. Every other error propagates, as LangChain's own tools do.
 *
 * Throws TypeError at once on misuse (a missing name, description or call; a malformed resource or scope).
 */
export function agentTool<SchemaT extends ToolSchemaBase>(agent: Agent, options: AgentToolOptions<SchemaT>): DynamicStructuredTool<SchemaT> {
  if (typeof agent?.fetch !== 'function') throw new TypeError('agent must be an Agent from createAgent');
  if (typeof options !== 'object' || options === null) throw new TypeError('agentTool needs { name, description, schema, call }');
  const { name, description, schema, call } = options;
  if (typeof name !== 'string' || name === '') throw new TypeError('name must be a non-empty string');
  if (typeof description !== 'string' || description === '') throw new TypeError('description must be a non-empty string');
  if (typeof call !== 'function') throw new TypeError('call must be a function');
  const { resource, scope } = checkTokenRequest({ resource: options.resource, scope: options.scope });
  const scoped = { ...(resource === undefined ? {} : { resource }), ...(scope === undefined ? {} : { scope }) };
  const fetch: ToolFetch = (url, init) => agent.fetch(url, { ...init, ...scoped });

  return new DynamicStructuredTool<SchemaT>({
    name,
    description,
    schema,
    func: async (input) => {
      try {
        return await toToolResult(await call(input, fetch));
      } catch (error) {
        const refusal = readableRefusal(error, scope);
        if (refusal === undefined) throw error;
        return refusal;
      }
    },
  });
}

/** What the model reads: text as it is, a Response read (see {@link AgentToolOptions.call}), objects as JSON. */
async function toToolResult(value: unknown): Promise<string> {
  if (value instanceof Response) {
    if (value.status === 401 || value.status === 403) {
      await value.body?.cancel();
      return JSON.stringify({ error: value.status === 401 ? 'unauthorized' : 'forbidden', message: `the API refused this agent (HTTP ${value.status})` });
    }
    if (!value.ok) {
      await value.body?.cancel();
      return JSON.stringify({ error: 'request_failed', message: `the API answered HTTP ${value.status}` });
    }
    return value.text();
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}

function readableRefusal(error: unknown, scope: string | undefined): string | undefined {
  if (error instanceof InsufficientScopeError) {
    const needs = error.requiredScope === undefined ? 'a scope it was not given' : `scope "${error.requiredScope}"`;
    return JSON.stringify({ error: 'insufficient_scope', ...(error.requiredScope === undefined ? {} : { required_scope: error.requiredScope }), message: `not allowed: the API needs ${needs}; ask the operator to grant it` });
  }
  if (error instanceof OAuthClientError && error.error === 'invalid_scope') {
    return JSON.stringify({ error: 'invalid_scope', ...(scope === undefined ? {} : { required_scope: scope }), message: `not allowed: this agent may not obtain ${scope === undefined ? 'the scope this tool needs' : `scope "${scope}"`}; ask the operator to grant it` });
  }
  return undefined;
}
