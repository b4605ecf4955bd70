import { isPrivilegedScope, parseScope } from '@agentauth/protocol';
import type { AgentRecord } from '../../store/records.js';
import { MAX_ACCESS_TOKEN_TTL } from '../../tokens/limits.js';
import { invalidRequest, invalidScope, invalidTarget, quoted } from '../oauth-error.js';
import { checkResourceSyntax, MALFORMED_SCOPE } from '../grants/resolve-grant.js';
import type { ExchangeRequest } from './exchange-request.js';
import type { ValidatedSubjectToken } from './subject-token-validator.js';

/** What the exchanged token may say. */
export interface Attenuation {
  audience: string[];
  scopes: string[];
  /** seconds */
  ttl: number;
}

/**
 * Per-hop attenuation: what the exchanged token may carry is the intersection of
 * what the subject token grants and what the actor (the authenticated client) is allowed. Asking
 * for more is refused, never trimmed, and each refusal names the parameter and the rule, speaking
 * only of the client's own registration and the subject token it presented, never of another agent
 * (no id, no chain):
 *
 * - **audience** — `resource` (RFC 8707 §2: absolute URI, no fragment) and `audience` (RFC 8693
 *   §2.1) values name targets alike; an `audience` value is matched exactly against the actor's
 *   allowed resources (which are absolute URIs, so a logical name is accepted only if an operator
 *   registered it as one). Every target must be allowed to the actor, else `invalid_target`
 *   (RFC 8693 §2.2.2). The server itself (the issuer) is never an exchange target: privileged
 *   `agentauth:*` powers are not delegable. Without either parameter: the subject token's audience,
 *   which must then be allowed to the actor. A per-task token (`task_id`) has exactly one audience.
 *   A person's token (docs/people.md, "Agents acting for you") is narrowed within its own audience:
 *   every target must also be one of the subject token's, since the person authorized that one.
 * - **scope** — every requested scope must be in the subject token and allowed to the actor, and
 *   never privileged, else `invalid_scope` (RFC 6749 §5.2). Without `scope`: the subject token's
 *   scopes the actor is allowed (RFC 6749 §3.3 default; the response says which), refused when none.
 * - **lifetime** — at most the subject token's remaining lifetime and the actor's token lifetime;
 *   `expires_in` (agentauth extension, seconds) may ask for less, down to 1 s, and asking for more is
 *   `invalid_request` (RFC 6749 §5.2, an invalid parameter value).
 */
export function attenuate(input: {
  subject: ValidatedSubjectToken;
  actor: AgentRecord;
  request: ExchangeRequest;
  issuer: string;
  /** The actor's access token lifetime, seconds. */
  actorTtl: number;
  /** seconds */
  now: number;
}): Attenuation {
  const { subject, actor, request, issuer } = input;

  for (const resource of request.resources) checkResourceSyntax(resource);
  const requestedTargets = [...request.resources, ...request.audiences];
  const audience = [...new Set(requestedTargets.length > 0 ? requestedTargets : subject.audience)];
  if (audience.length === 0) {
    throw invalidTarget('resource or audience is required: the subject token has no audience to keep', 'no audience requested and the subject token has none');
  }
  for (const target of audience) {
    if (target === issuer) throw invalidTarget('resource or audience: the issuer identifier is never an exchange target', 'the issuer is not an exchange target');
    if (!actor.resources.includes(target)) {
      const named = requestedTargets.length > 0 ? `resource or audience ${quoted(target, 200)} is` : `the subject token's audience ${quoted(target, 200)} is`;
      throw invalidTarget(`${named} not one of the resources this client is registered for`, `target not allowed to the actor: ${target.slice(0, 200)}`);
    }
  }
  // A person authorized one resource: an agent acting for them narrows within it, never moves to another.
  if (subject.person !== undefined) {
    for (const target of audience) {
      if (!subject.audience.includes(target)) {
        throw invalidTarget(`resource or audience ${quoted(target, 200)} is not the audience of the subject token: a person's token is narrowed, never moved to another resource`, `target beyond a person's token: ${target.slice(0, 200)}`);
      }
    }
  }
  if (request.taskId !== undefined && audience.length !== 1) throw invalidTarget('task_id: a per-task token has exactly one audience (one resource or audience)', 'a per-task token has exactly one audience');

  const allowed = (s: string) => !isPrivilegedScope(s) && subject.scopes.includes(s) && actor.scopes.includes(s);
  let scopes: string[];
  if (request.scope === undefined) {
    scopes = [...new Set(subject.scopes.filter(allowed))];
    if (scopes.length === 0) {
      throw invalidScope('scope: no scope of the subject token is one this client is registered for', 'no scope of the subject token is allowed to the actor');
    }
  } else {
    const requested = parseScope(request.scope);
    if (requested === undefined || requested.length === 0) throw invalidScope(MALFORMED_SCOPE, 'malformed scope');
    scopes = [...new Set(requested)];
    for (const s of scopes) {
      if (isPrivilegedScope(s)) throw invalidScope(`scope ${quoted(s)}: agentauth:* scopes are never exchanged`, `privileged scope not exchangeable: ${s.slice(0, 100)}`);
      if (!subject.scopes.includes(s)) throw invalidScope(`scope ${quoted(s)} is not in the subject token`, `scope beyond the subject token: ${s.slice(0, 100)}`);
      if (!actor.scopes.includes(s)) throw invalidScope(`scope ${quoted(s)} is not one of the scopes this client is registered for`, `scope not allowed to the actor: ${s.slice(0, 100)}`);
    }
  }

  const remaining = subject.expiresAt - input.now;
  if (remaining < 1) throw invalidRequest('subject token expires within a second');
  const cap = Math.min(remaining, input.actorTtl, MAX_ACCESS_TOKEN_TTL);
  if (request.expiresIn !== undefined && request.expiresIn > cap) throw invalidRequest(`expires_in ${request.expiresIn} exceeds the ${cap} s allowed`);
  return { audience, scopes, ttl: request.expiresIn ?? cap };
}
