import { isPrivilegedScope, parseScope } from '@agentauth/protocol';
import type { AgentRecord } from '../../store/records.js';
import { invalidScope, invalidTarget, quoted } from '../oauth-error.js';

/** What a token will say: the audience and the scopes, both checked against the agent's grants. */
export interface ResolvedGrant {
  audience: string[];
  scopes: string[];
  /** True when the audience is the server itself (privileged `agentauth:*` scopes). */
  forServer: boolean;
}

/**
 * Resolves `resource` (RFC 8707 §2) and `scope` (RFC 6749 §3.3) for an agent, strictly. A refusal
 * names the parameter and the rule (RFC 6749 §5.2 `error_description`, "assist the client
 * developer"); the client is authenticated by now and each text speaks only of its own
 * registration, never of another client:
 *
 * - every `resource` must be an absolute URI without a fragment and one of the agent's allowed
 *   resources, else `invalid_target`; without `resource`, the agent's only allowed resource if it
 *   has exactly one, else `invalid_target`;
 * - the server's own APIs are the resource named by the issuer identifier: an agent holding any
 *   privileged scope may always name it, and it is never mixed with other audiences;
 * - the requested scopes must be a subset of the allowed ones, else `invalid_scope` — never silent
 *   down-scoping; privileged scopes only for the issuer audience, ordinary ones only elsewhere;
 * - without `scope`, the agent's allowed scopes for that audience (RFC 6749 §3.3 "pre-defined
 *   default value").
 */
export function resolveGrant(agent: AgentRecord, issuer: string, resources: readonly string[], scope: string | undefined): ResolvedGrant {
  const privileged = agent.scopes.filter(isPrivilegedScope);
  const ordinary = agent.scopes.filter((s) => !isPrivilegedScope(s));

  let audience: string[];
  if (resources.length === 0) {
    if (agent.resources.length === 0) {
      throw invalidTarget('resource is required: this client is registered for no resource to default to (RFC 8707 §2)', 'no resource and 0 allowed resources');
    }
    if (agent.resources.length > 1) {
      throw invalidTarget(
        `resource is required: this client is registered for ${agent.resources.length} resources, name the one the token is for (RFC 8707 §2)`,
        `no resource and ${agent.resources.length} allowed resources`,
      );
    }
    audience = [...agent.resources];
  } else {
    for (const resource of resources) checkResourceSyntax(resource);
    audience = [...new Set(resources)];
  }

  const forServer = audience.includes(issuer);
  if (forServer) {
    if (audience.length > 1) throw invalidTarget('resource: the issuer identifier cannot be requested together with other resources');
    if (privileged.length === 0) {
      throw invalidTarget('resource: the issuer identifier is an audience only for clients granted an agentauth:* scope', 'agent holds no privileged scope for the issuer resource');
    }
  } else {
    for (const resource of audience) {
      if (!agent.resources.includes(resource)) {
        throw invalidTarget(`resource ${quoted(resource, 200)} is not one of the resources this client is registered for`, `resource not allowed: ${resource.slice(0, 200)}`);
      }
    }
  }

  const allowedHere = forServer ? privileged : ordinary;
  let scopes: string[];
  if (scope === undefined) {
    scopes = allowedHere;
  } else {
    const requested = parseScope(scope);
    if (requested === undefined) throw invalidScope(MALFORMED_SCOPE, 'malformed scope');
    scopes = [...new Set(requested)];
    for (const s of scopes) {
      if (!agent.scopes.includes(s)) throw invalidScope(`scope ${quoted(s)} is not one of the scopes this client is registered for`, `scope not allowed: ${s.slice(0, 100)}`);
      if (!allowedHere.includes(s)) {
        const rule = forServer ? 'only agentauth:* scopes are granted for the issuer identifier' : 'agentauth:* scopes are granted only with resource set to the issuer identifier';
        throw invalidScope(`scope ${quoted(s)}: ${rule}`, `scope ${s.slice(0, 100)} not valid for this audience`);
      }
    }
  }
  return { audience, scopes, forServer };
}

/** RFC 8707 §2: "an absolute URI ... MUST NOT include a fragment component". */
export function checkResourceSyntax(resource: string): void {
  if (resource.length > MAX_RESOURCE_LENGTH) throw invalidTarget(`resource must be at most ${MAX_RESOURCE_LENGTH} characters`, 'resource too long');
  if (!URL.canParse(resource)) throw invalidTarget(`resource ${quoted(resource, 200)} is not an absolute URI (RFC 8707 §2)`, 'resource is not an absolute URI');
  if (resource.includes('#')) throw invalidTarget(`resource ${quoted(resource, 200)} must not have a fragment (RFC 8707 §2)`, 'resource has a fragment');
}

/** Longest `resource` value looked at: every input is bounded. */
const MAX_RESOURCE_LENGTH = 2048;

/** RFC 6749 §3.3: what a `scope` parameter must look like. */
export const MALFORMED_SCOPE = 'scope must be scope-tokens separated by single spaces (RFC 6749 §3.3: printable ASCII, no quote or backslash)';
