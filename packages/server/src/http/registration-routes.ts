import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { SCOPE_ADMIN } from '@agentauth/protocol';
import type { AdminAuthenticator } from '../admin/authenticate-admin.js';
import { AgentError } from '../agents/agent-error.js';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import type { AgentService, AuditContext } from '../agents/agent-service.js';
import { hashSecret, verifySecret } from '../agents/client-secret.js';
import { SERVER_ASSIGNED_FIELDS, clientInformation, parseClientMetadata } from '../oauth/client-metadata.js';
import type { AuditLog } from '../audit/audit-log.js';
import { recordRefusal } from '../audit/record-refusal.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { AuthenticationLimits } from '../limits/authentication-limits.js';
import { insufficientScope, invalidClientMetadata, invalidRequest, invalidToken, type OAuthError, TooManyFailuresError } from '../oauth/oauth-error.js';
import type { Random } from '../random.js';
import type { AgentRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { ADMIN_BODY_LIMIT } from './admin-app.js';
import { asOAuthError, sendOAuthError } from './render-oauth-error.js';
import { BEARER } from '../oauth/own-api-token.js';
import { standingFault } from '../agents/agent-standing.js';
import { isPublicClientRequest, registerPublicClient } from '../oauth/authorization/public-client-registration.js';

/** The slice of `Deps` registration needs. */
export interface RegistrationDeps {
  config: Pick<Config, 'issuer' | 'defaultResource' | 'openPublicClientRegistration'>;
  clock: Clock;
  random: Random;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  keys: Pick<SigningKeyRing, 'publicKey'>;
}

/** Options of {@link registrationRoutes}. */
export interface RegistrationRoutesOptions {
  deps: RegistrationDeps;
  /** The registry service. */
  agents: AgentService;
  /** The admin credential check: RFC 7591 §3 initial access tokens are admin credentials. */
  authenticateAdmin: AdminAuthenticator;
  /**
   * Failed-authentication limits (docs/oauth.md): initial access tokens count as admin
   * credentials, registration access tokens as client authentications. Without them, none.
   */
  limits?: Pick<AuthenticationLimits, 'admins' | 'clients'> | undefined;
}

/** RFC 7591 §3 registration endpoint path (advertised as `registration_endpoint`). */
export const REGISTRATION_PATH = '/register';

/** RFC 7592 §2 client configuration endpoint `/register/{client_id}`: a path parameter is always a string. */
interface ByClient {
  Params: { client_id: string };
}

/** Registration access tokens are ours: 43 characters; anything much longer is not one. */
const MAX_TOKEN_LENGTH = 1024;
/** Compared against when the client does not exist, so a miss takes as long as a wrong token. */
const ABSENT_HASH = hashSecret('no registration access token');

/**
 * Registry refusals in RFC 7591 §3.2.2 terms: anything wrong with the metadata is
 * `invalid_client_metadata`, whose description is the registry's own message (it names the field
 * and the rule, docs/admin-api.md "Agent rules").
 */
function toOAuthError(error: unknown): unknown {
  if (error instanceof AgentError) {
    if (error.code === 'not_found') return invalidToken(`client vanished: ${error.message}`);
    return invalidClientMetadata(error.message, error.auditDetail ?? error.message);
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  const body = typeof code === 'string' ? BODY_ERRORS[code] : undefined;
  return body === undefined ? error : invalidRequest(body[1], `request rejected: ${String(code)}`, body[0]);
}

/** Bodies fastify refused before the route ran, said in words (RFC 7591 §3.1: a JSON object). */
const BODY_ERRORS: Readonly<Record<string, readonly [400 | 413, string]>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [400, 'the request body must be application/json (RFC 7591 §3.1)'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, `the request body must be at most ${ADMIN_BODY_LIMIT / 1024} KiB`],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'the request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'the request body is empty; send the client metadata as a JSON object'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'the request body does not match its Content-Length'],
};

/**
 * RFC 7591 dynamic client registration and RFC 7592 client configuration, as one encapsulated
 * fastify plugin (its JSON parser, body limit and error rendering stay inside):
 *
 * - `POST /register` needs an initial access token (RFC 7591 §3): the bootstrap token or an admin
 *   access token, checked by the same function as the admin API. Answers 201 with the client
 *   information response, including a registration access token (32 random bytes, stored only as
 *   SHA-256) and, for `client_secret_*`, the client secret, both shown once.
 * - `GET|PUT|DELETE /register/{client_id}` authenticate with that registration access token (RFC
 *   7592 §3), compared in constant time; a wrong token or unknown client is 401 `invalid_token`.
 *   PUT replaces the metadata (RFC 7592 §2.2); DELETE deletes the agent, killing its tokens (§2.3).
 *
 * Errors are RFC 7591 §3.2.2 / RFC 6750 §3.1 JSON. A refused credential has a fixed description and
 * is audited as `admin.authentication_failed` or `client_authentication.failed`; a refusal of what
 * the caller sent names the field and the rule, and is audited as `client_registration.denied` with
 * the same reason. One record per refused request; a refused registration writes nothing else.
 */
export async function registrationRoutes(app: FastifyInstance, opts: RegistrationRoutesOptions): Promise<void> {
  const { deps } = opts;
  const { issuer } = deps.config;
  const { agents: service, authenticateAdmin } = opts;

  // Requests whose refusal is already on record (their credential was refused).
  const audited = new WeakSet<FastifyRequest>();
  app.setErrorHandler(async (error, request, reply) => {
    let refusal = asOAuthError(toOAuthError(error), request);
    // A 500 is our failure, not a refusal: the log has it.
    if (!audited.has(request) && refusal.status < 500) {
      try {
        await recordDenied(request, refusal);
      } catch (failure) {
        // A refusal that cannot be put on record is not answered as one: the caller gets the
        // failure (503 while storage is unavailable), never fastify's own 500 with its message.
        refusal = asOAuthError(failure, request);
      }
    }
    return sendOAuthError(refusal, request, reply);
  });
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT }, parseJson);

  const actors = new WeakMap<FastifyRequest, { actor: string; agent?: AgentRecord }>();
  const auditContext = (request: FastifyRequest): AuditContext => ({
    actor: actors.get(request)?.actor ?? 'anonymous',
    sourceIp: request.ip,
    requestId: request.id,
  });
  const recordFailure = (request: FastifyRequest, event: 'admin.authentication_failed' | 'client_authentication.failed', agentId: string | null, reason: string) => {
    audited.add(request);
    return deps.audit.record({
      time: deps.clock.now(),
      event,
      outcome: 'failure',
      agentId,
      actor: null,
      sourceIp: request.ip,
      reason,
      requestId: request.id,
      details: { endpoint: 'registration', method: request.method },
    });
  };
  /** `client_registration.denied`: the metadata, body or operation was refused (RFC 7591 §3.2.2, RFC 7592 §2). */
  const recordDenied = (request: FastifyRequest, error: OAuthError) => {
    const known = actors.get(request);
    return recordRefusal(deps.audit, {
      time: deps.clock.now(),
      event: 'client_registration.denied',
      outcome: 'failure',
      agentId: known?.agent?.id ?? null,
      actor: known?.actor ?? null,
      sourceIp: request.ip,
      reason: `${error.code}: ${error.detail}`,
      requestId: request.id,
      details: { endpoint: known?.agent === undefined ? 'registration' : 'client_configuration', method: request.method, status: error.status },
    });
  };

  const { admins, clients } = opts.limits ?? {};

  // Requests without an initial access token, let through only to register a public client.
  const anonymous = new WeakSet<FastifyRequest>();

  /** RFC 7591 §3: the initial access token must be an admin credential (or, when open, absent for a public client). */
  const requireInitialAccessToken = async (request: FastifyRequest) => {
    if (deps.config.openPublicClientRegistration && request.headers.authorization === undefined) {
      anonymous.add(request);
      return;
    }
    const refused = admins?.refuseAddress(request.ip);
    if (refused !== undefined) throw new TooManyFailuresError(refused);
    const result = await authenticateAdmin(request.headers.authorization);
    if (result.ok) {
      actors.set(request, { actor: result.actor });
      return;
    }
    await recordFailure(request, 'admin.authentication_failed', result.agentId, `initial access token: ${result.reason}`);
    const error = result.status === 403 ? insufficientScope(SCOPE_ADMIN, result.reason) : invalidToken(`initial access token: ${result.reason}`);
    // A valid token without the admin scope guesses nothing; a refused credential counts.
    const wait = result.status === 401 ? await admins?.recordFailure({ address: request.ip, requestId: request.id }) : undefined;
    throw wait === undefined ? error : new TooManyFailuresError(wait, error);
  };

  /** RFC 7592 §3: the registration access token issued to this very client. */
  const requireRegistrationAccessToken = async (request: FastifyRequest<ByClient>) => {
    const clientId = request.params.client_id;
    const refused = clients?.refuseAddress(request.ip);
    if (refused !== undefined) throw new TooManyFailuresError(refused);
    const header = request.headers.authorization;
    const token = header !== undefined && header.length <= MAX_TOKEN_LENGTH + 7 ? BEARER.exec(header)?.[1] : undefined;
    const agent = AGENT_ID_PATTERN.test(clientId) && token !== undefined ? await deps.store.getAgent(clientId) : undefined;
    const matches = verifySecret(token ?? '', agent?.registrationAccessTokenHash ?? ABSENT_HASH);
    const fail = async (agentId: string | null, reason: string) => {
      await recordFailure(request, 'client_authentication.failed', agentId, reason);
      const wait = await clients?.recordFailure({ address: request.ip, clientId, requestId: request.id });
      return wait === undefined ? invalidToken(reason) : new TooManyFailuresError(wait, invalidToken(reason));
    };
    if (agent === undefined || agent.registrationAccessTokenHash === null || !matches) {
      throw await fail(agent?.id ?? null, token === undefined ? 'no registration access token' : 'registration access token does not match the client');
    }
    const fault = standingFault(agent);
    if (fault !== undefined) throw await fail(agent.id, `client ${fault}`);
    const blocked = clients?.refuseClient(agent.id, request.ip);
    if (blocked !== undefined) throw new TooManyFailuresError(blocked);
    actors.set(request, { actor: `agent:${agent.id}`, agent });
  };

  const send = (reply: FastifyReply, status: number, body: Record<string, unknown>) =>
    // RFC 7591 §3.2.1: the response carries credentials; RFC 6749 §5.1 no-store applies.
    reply.code(status).headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).type('application/json').send(body);

  app.post(REGISTRATION_PATH, { bodyLimit: ADMIN_BODY_LIMIT, onRequest: requireInitialAccessToken }, async (request, reply) => {
    if (isPublicClientRequest(request.body)) {
      const client = await registerPublicClient(deps, request.body as Record<string, unknown>, auditContext(request));
      return send(reply, 201, client);
    }
    if (anonymous.has(request)) {
      // Open registration is for public clients only: anything else still needs an initial access token.
      await recordFailure(request, 'admin.authentication_failed', null, 'initial access token: none (open registration is for public clients only)');
      throw invalidToken('initial access token: none');
    }
    const actor = actors.get(request)?.actor ?? '';
    // `owner` defaults to the principal behind the initial access token: who registered the client
    // answers for it (docs/admin-api.md, "Dynamic client registration").
    const { input, defaulted } = parseClientMetadata(request.body, { owner: actor, resource: deps.config.defaultResource });
    // Privileged scopes only from an administrator; here every initial access token is one, but the
    // rule stays explicit so a future non-admin initial token cannot grant them.
    const authority = { admin: actor.startsWith('admin:') };
    const created = await service.createAgent(input, auditContext(request), { ...authority, registrationAccessToken: true, via: 'registration', defaulted });
    return send(reply, 201, clientInformation(created, issuer, created));
  });

  const byClient = `${REGISTRATION_PATH}/:client_id`;

  app.get<ByClient>(byClient, { onRequest: requireRegistrationAccessToken }, async (request, reply) => {
    const id = request.params.client_id;
    return send(reply, 200, clientInformation(await service.getAgent(id), issuer, {}));
  });

  app.put<ByClient>(byClient, { bodyLimit: ADMIN_BODY_LIMIT, onRequest: requireRegistrationAccessToken }, async (request, reply) => {
    const id = request.params.client_id;
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidClientMetadata('the request body must be a JSON object');
    const fields = new Map<string, unknown>(Object.entries(body));
    // RFC 7592 §2.2: client_id must be sent and unchanged; server-assigned fields must not be sent.
    if (fields.get('client_id') !== id) throw invalidClientMetadata('client_id must be present and equal to the client being updated');
    for (const name of SERVER_ASSIGNED_FIELDS) if (fields.has(name)) throw invalidClientMetadata(`${name} must not be sent in an update`);
    const { agent: current, credentials } = await service.getAgent(id);
    const presented = fields.get('client_secret');
    if (presented !== undefined) {
      const ok = typeof presented === 'string' && credentials.some((c) => c.kind === 'secret' && verifySecret(presented, c.secretHash));
      if (!ok) throw invalidClientMetadata('client_secret does not match the issued secret');
    }
    // RFC 7592 §2.2: omitted fields return to their defaults; the owner stays who answers for the client.
    const { input } = parseClientMetadata(body, { owner: current.owner, resource: deps.config.defaultResource });
    const ctx = auditContext(request);
    const { jwks, ...patch } = input;
    let updated = await service.updateAgent(id, patch, ctx, { admin: false, jwks: jwks ?? { keys: [] } });
    let clientSecret: string | undefined;
    const secretMethod = updated.agent.tokenEndpointAuthMethod === 'client_secret_basic' || updated.agent.tokenEndpointAuthMethod === 'client_secret_post';
    if (secretMethod && !updated.credentials.some((c) => c.kind === 'secret')) {
      // Switched to a secret method: the client needs a secret, issued here (RFC 7592 §2.2 allows it).
      clientSecret = (await service.addCredential(id, { type: 'secret' }, ctx)).clientSecret;
      updated = await service.getAgent(id);
    }
    return send(reply, 200, clientInformation(updated, issuer, clientSecret === undefined ? {} : { clientSecret }));
  });

  app.delete<ByClient>(byClient, { onRequest: requireRegistrationAccessToken }, async (request, reply) => {
    await service.deleteAgent(request.params.client_id, auditContext(request));
    return reply.code(204).header('cache-control', 'no-store').send();
  });
}
