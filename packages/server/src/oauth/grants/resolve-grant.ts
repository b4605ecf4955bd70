import { isPrivilegedScope, parseScope } from '@agentauth/protocol';
import type { AgentRecord } from '../../store/records.js';
import { DESCRIPTIONS, OAuthError } from '../oauth-error.js';

/** What a token will say: the audience and the scopes, both checked against the agent's grants. */
export interface ResolvedGrant {
  audience: string[];
  scopes: string[];
  /** True when the audience is the server itself (privileged `agentauth:*` scopes). */
  forServer: boolean;
}

const invalidScope = (detail: string) => new OAuthError('invalid_scope', 400, DESCRIPTIONS.invalidScope, detail);
const invalidTarget = (detail: string) => new OAuthError('invalid_target', 400, DESCRIPTIONS.invalidTarget, detail);

/**
 * Resolves `resource` (RFC 8707 §2) and `scope` (RFC 6749 §3.3) for an agent, strictly:
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
    if (agent.resources.length !== 1) throw invalidTarget(`no resource and ${agent.resources.length} allowed resources`);
    audience = [...agent.resources];
  } else {
    for (const resource of resources) checkResourceSyntax(resource);
    audience = [...new Set(resources)];
  }

  const forServer = audience.includes(issuer);
  if (forServer) {
    if (audience.length > 1) throw invalidTarget('the issuer cannot share an audience with other resources');
    if (privileged.length === 0) throw invalidTarget('agent holds no privileged scope for the issuer resource');
  } else {
    for (const resource of audience) if (!agent.resources.includes(resource)) throw invalidTarget(`resource not allowed: ${resource.slice(0, 200)}`);
  }

  const allowedHere = forServer ? privileged : ordinary;
  let scopes: string[];
  if (scope === undefined) {
    scopes = allowedHere;
  } else {
    const requested = parseScope(scope);
    if (requested === undefined) throw invalidScope('malformed scope');
    scopes = [...new Set(requested)];
    for (const s of scopes) {
      if (!agent.scopes.includes(s)) throw invalidScope(`scope not allowed: ${s.slice(0, 100)}`);
      if (!allowedHere.includes(s)) throw invalidScope(`scope ${s.slice(0, 100)} not valid for this audience`);
    }
  }
  return { audience, scopes, forServer };
}

/** RFC 8707 §2: "an absolute URI ... MUST NOT include a fragment component". */
function checkResourceSyntax(resource: string): void {
  if (resource.length > 2048) throw invalidTarget('resource too long');
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw invalidTarget('resource is not an absolute URI');
  }
  if (resource.includes('#') || url.hash !== '') throw invalidTarget('resource has a fragment');
}
