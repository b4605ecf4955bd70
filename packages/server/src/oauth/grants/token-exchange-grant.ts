import { TOKEN_TYPE_ACCESS_TOKEN, type ActorClaim } from '@agentauth/protocol';
import type { AgentStore } from '../../store/ports/agent-store.js';
import { actDepth, actorIds, mayActAllows, nextActChain } from '../exchange/act-chain.js';
import { attenuate } from '../exchange/attenuate.js';
import { readExchangeRequest, type ExchangeRequest } from '../exchange/exchange-request.js';
import { verifyActiveOwnToken, type OwnAccessTokenValidatorDeps } from '../exchange/own-access-token-validator.js';
import type { SubjectTokenValidator, ValidatedSubjectToken } from '../exchange/subject-token-validator.js';
import { PresentedToken } from '../own-access-token.js';
import { invalidRequest, OAuthError } from '../oauth-error.js';
import type { GrantHandler, GrantOutcome } from './grant-handler.js';
import { standingFault } from '../../agents/agent-standing.js';
import type { Delegations } from '../delegation/delegations.js';

export interface TokenExchangeGrantOptions {
  issuer: string;
  /** Server default access token lifetime, seconds (an agent's own setting wins). */
  accessTokenTtl: number;
  /** Most exchanges between an issued token and its root token. */
  maxDelegationDepth: number;
  /** Sources of subject tokens, asked in order (ours first; federation adds its own). */
  validators: readonly SubjectTokenValidator[];
  /** Checks an `actor_token`: always one of our access tokens. */
  own: OwnAccessTokenValidatorDeps;
  /** Looks up the agent a requested `may_act` names. */
  agents: Pick<AgentStore, 'getAgentStanding'>;
  /** Agents acting for people: without it, a person's token is never exchanged. */
  delegations?: Pick<Delegations, 'admit' | 'recordUse'>;
}

/**
 * RFC 8693 token exchange (`urn:ietf:params:oauth:grant-type:token-exchange`). The token endpoint
 * has already authenticated the client and checked it is allowed this grant; the client is the
 * actor. The steps:
 *
 * 1. read the request (`readExchangeRequest`: RFC 8693 §2.1, strictly);
 * 2. validate the subject token with the first validator that recognizes it (our access tokens,
 *    checked down their whole lineage; trusted issuers' JWTs once federation adds a validator);
 * 3. who may exchange: a subject token carrying `may_act` only by the actor it names (§4.4); a
 *    sender-constrained subject token only by the client it was issued to; acting for another party
 *    (delegation) requires an `actor_token`, which must be an active token of the client itself
 *    (`sub` and `client_id` = the client); narrowing one's own token needs none;
 * 4. the `act` chain (§4.1, `nextActChain`) and the depth limit;
 * 5. attenuation of audience, scope and lifetime (`attenuate`);
 * 6. the outcome: `sub` stays the subject, `parent_jti` records the lineage, `issued_token_type`
 *    is `access_token` (§2.2.1), and the audit record gets subject, actor chain, requested and
 *    granted scope and audience and the task id.
 *
 * A person's token (from the authorization code flow, or exchanged from one) is exchanged by the
 * same steps, narrowed within its own audience (`attenuate`), and only while the person has not
 * revoked the actor (`Delegations.admit`: `invalid_request` otherwise); once committed, the
 * exchange is recorded as the actor acting for the person (`Delegations.recordUse`).
 *
 * Every refusal of a presented token or of the request itself is `invalid_request`, as RFC 8693
 * §2.2.2 requires ("if either the subject_token or actor_token are invalid for any reason, or are
 * unacceptable based on policy ... MUST be the invalid_request error code"); a target the actor may
 * not have is `invalid_target` (§2.2.2), a scope beyond what it may have `invalid_scope` (RFC 6749
 * §5.2). The private detail of every refusal names the subject, the actor and what was asked.
 */
export function tokenExchangeGrant(options: TokenExchangeGrantOptions): GrantHandler {
  return async ({ form, client, now, request: httpRequest }) => {
    const actor = client.client.agent;
    let request: ExchangeRequest | undefined;
    let subject: ValidatedSubjectToken | undefined;
    try {
      request = readExchangeRequest(form);
      subject = await validateSubjectToken(options.validators, request, actor.id, now, httpRequest);

      if (subject.mayAct !== undefined && !mayActAllows(subject.mayAct, actor.id, options.issuer)) {
        throw invalidRequest('the subject token may_act names another actor');
      }
      if (subject.cnf !== undefined && subject.clientId !== actor.id) {
        throw invalidRequest('a sender-constrained subject token presented by another client');
      }
      let actorJti: string | undefined;
      if (request.actorToken !== undefined) {
        const checked = await verifyActiveOwnToken(options.own, PresentedToken.of(request.actorToken.token), now);
        if (!checked.ok) throw invalidRequest(`actor_token refused: ${checked.reason}`);
        if (checked.claims.sub !== actor.id || checked.claims.client_id !== actor.id) {
          throw invalidRequest('actor_token is not a token of the authenticated client');
        }
        actorJti = checked.claims.jti;
      }

      const act = nextActChain(subject, actor.id, options.issuer);
      const generation = subject.generation + 1;
      if (generation > options.maxDelegationDepth || actDepth(act) > options.maxDelegationDepth) {
        throw invalidRequest(`delegation depth ${Math.max(generation, actDepth(act))} exceeds the limit of ${options.maxDelegationDepth}`);
      }

      const person = subject.person;
      if (person !== undefined) {
        if (options.delegations === undefined) throw invalidRequest('a person\'s token cannot be exchanged here');
        await options.delegations.admit(person, actor.id);
      }

      const granted = attenuate({
        subject,
        actor,
        request,
        issuer: options.issuer,
        actorTtl: actor.accessTokenTtl ?? options.accessTokenTtl,
        now: Math.floor(now / 1000),
      });

      // After attenuation, so a widened scope or audience is named as such. Acting for another party is delegation, and the strict reading of RFC 8693 §2.1 is
      // that delegation takes an actor_token (of the client itself). Narrowing one's own token
      // (the chain unchanged) does not.
      if (act !== subject.act && request.actorToken === undefined) {
        throw invalidRequest('actor_token required to act for another party');
      }

      let mayAct: ActorClaim | undefined;
      if (request.mayAct !== undefined) {
        const named = await options.agents.getAgentStanding(request.mayAct);
        if (named === undefined || standingFault(named) !== undefined) throw invalidRequest('may_act names no active agent');
        mayAct = { sub: named.id };
      }
      const taskId = request.taskId ?? subject.taskId;

      const outcome: GrantOutcome = {
        subject: subject.subject,
        audience: granted.audience,
        scopes: granted.scopes,
        ttl: granted.ttl,
        parentJti: subject.lineageJti,
        issuedTokenType: TOKEN_TYPE_ACCESS_TOKEN,
        auditDetails: {
          ...subject.auditDetails,
          subject_issuer: subject.issuer,
          subject_token_type: request.subjectTokenType,
          actor: actor.id,
          act_chain: actorIds(act),
          generation,
          requested_scope: request.scope ?? null,
          requested_audience: requestedTargets(request),
          parent_jti: subject.lineageJti,
          ...(act === undefined ? {} : { act }),
          ...(actorJti === undefined ? {} : { actor_jti: actorJti }),
          ...(mayAct === undefined ? {} : { may_act: mayAct.sub }),
          ...(taskId === undefined ? {} : { task_id: taskId }),
        },
      };
      if (person !== undefined && options.delegations !== undefined) {
        const { delegations } = options;
        const ctx = { actor: `agent:${actor.id}`, sourceIp: httpRequest.sourceIp, requestId: httpRequest.requestId };
        outcome.afterCommit = (token) => delegations.recordUse(person, actor.id, { ...token, parentJti: subject?.lineageJti ?? null }, ctx);
        outcome.auditDetails['user_id'] = person.userId;
        outcome.auditDetails['grant_id'] = person.grantId;
      }
      if (act !== undefined) outcome.act = act;
      if (mayAct !== undefined) outcome.mayAct = mayAct;
      if (taskId !== undefined) outcome.taskId = taskId;
      return outcome;
    } catch (error) {
      throw error instanceof OAuthError ? withContext(error, actor.id, request, subject) : error;
    }
  };
}

async function validateSubjectToken(
  validators: readonly SubjectTokenValidator[],
  request: ExchangeRequest,
  clientId: string,
  now: number,
  httpRequest: { sourceIp: string | null; requestId: string | null },
): Promise<ValidatedSubjectToken> {
  const context = { now, tokenType: request.subjectTokenType, clientId, resources: request.resources, sourceIp: httpRequest.sourceIp, requestId: httpRequest.requestId };
  for (const validator of validators) {
    if (!validator.tokenTypes.includes(request.subjectTokenType)) continue;
    const verdict = await validator.validate(request.subjectToken, context);
    if (verdict.status === 'valid') return verdict.token;
    if (verdict.status === 'invalid') throw invalidRequest(`subject_token refused (${validator.name}): ${verdict.reason}`);
  }
  throw invalidRequest('subject_token of an issuer no validator trusts');
}

function requestedTargets(request: ExchangeRequest): string[] | null {
  const targets = [...new Set([...request.resources, ...request.audiences])];
  return targets.length === 0 ? null : targets;
}

/**
 * The same error with the exchange's facts added to its private detail, so the refusal's audit
 * record (`access_token.denied`) says who asked what. Never a token, only ids.
 */
function withContext(error: OAuthError, actorId: string, request: ExchangeRequest | undefined, subject: ValidatedSubjectToken | undefined): OAuthError {
  const facts = [`actor=${actorId}`];
  if (subject !== undefined) facts.push(`subject=${subject.subject.slice(0, 64)}`, `act_chain=${actorIds(subject.act).join(',') || '-'}`);
  if (request?.scope !== undefined) facts.push(`requested_scope=${JSON.stringify(request.scope.slice(0, 200))}`);
  const targets = request === undefined ? null : requestedTargets(request);
  if (targets !== null) facts.push(`requested_audience=${JSON.stringify(targets.join(' ').slice(0, 300))}`);
  if (request?.taskId !== undefined) facts.push(`task_id=${request.taskId}`);
  return new OAuthError(error.code, error.status, error.description, `${error.detail} [${facts.join(' ')}]`, error.headers);
}
