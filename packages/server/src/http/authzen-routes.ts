import { authenticateApiCaller } from './authenticate-api-caller.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUTHZEN_CONFIGURATION_PATH, AUTHZEN_PATHS, type PdpMetadata } from '@agentauth/protocol';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { invalidRequest } from '../oauth/oauth-error.js';
import { NO_STORE_HEADERS } from '../oauth/oauth-request.js';
import type { AuthZenPdp } from '../authzen/authzen-pdp.js';
import { AuthZenRequestError, readEvaluation, readEvaluations } from '../authzen/authzen-request.js';
import { asOAuthError, sendOAuthError } from './render-oauth-error.js';

/** Options of {@link authzenRoutes}. */
export interface AuthZenRoutesOptions {
  metadata: PdpMetadata;
  /** Authenticates the calling service's `Authorization` header; throws `OAuthError` 401/403. */
  authenticate: (authorization: string | undefined) => Promise<{ agentId: string }>;
  pdp: Pick<AuthZenPdp, 'evaluate' | 'evaluateAll'>;
  audit: AuditLog;
  clock: Clock;
}

/** Bound on an AuthZEN request body: 100 evaluations with room for their properties. */
export const AUTHZEN_BODY_LIMIT = 64 * 1024;
/** Longest `X-Request-ID` echoed (AuthZEN 1.0 §10.1.3 lets it be any string: we bound it). */
const MAX_REQUEST_ID_LENGTH = 256;

/**
 * The AuthZEN Policy Decision Point (OpenID AuthZEN Authorization API 1.0), one encapsulated
 * fastify plugin with its own JSON parser and error handler: the PDP metadata (§9), Access
 * Evaluation (§6) and Access Evaluations (§7) over the HTTPS JSON binding (§10.1). Callers are
 * services holding an access token of ours with `agentauth:authorize` (§11.2: the PDP authenticates
 * the PEP, so nobody else can probe the policies). A refusal of the request is RFC 6749 §5.2 JSON
 * (400 naming the member, 401/403 with an RFC 6750 §3 challenge); a denial is `200 {"decision": false}`.
 */
export async function authzenRoutes(app: FastifyInstance, options: AuthZenRoutesOptions): Promise<void> {
  const { pdp } = options;
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: AUTHZEN_BODY_LIMIT }, parseJson);
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AuthZenRequestError) return sendOAuthError(invalidRequest(error.message), request, reply);
    if ((error as { code?: unknown }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendOAuthError(invalidRequest('send the request as application/json (AuthZEN 1.0 section 10.1)', 'request rejected: media type'), request, reply);
    }
    return sendOAuthError(asOAuthError(error, request), request, reply);
  });

  // AuthZEN 1.0 §10.1.3: the PEP's request identifier comes back on the response. This hook runs
  // after the server-wide one that sets our own id, so the PEP's wins where it sent one.
  app.addHook('onRequest', async (request) => {
    const id = request.headers['x-request-id'];
    if (id !== undefined && (typeof id !== 'string' || id.length > MAX_REQUEST_ID_LENGTH)) {
      throw invalidRequest(`X-Request-ID must be one value of at most ${MAX_REQUEST_ID_LENGTH} characters`);
    }
  });
  app.addHook('onSend', async (request, reply) => {
    const id = request.headers['x-request-id'];
    if (typeof id === 'string' && id.length <= MAX_REQUEST_ID_LENGTH) reply.header('x-request-id', id);
  });

  const metadataBody = JSON.stringify(options.metadata);
  app.get(AUTHZEN_CONFIGURATION_PATH, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/json').send(metadataBody));

  /** The calling service's agent id, by request: set before the body is read. */
  const callers = new WeakMap<FastifyRequest, string>();
  /** Authenticates the caller; a refusal is audited and thrown (401/403 with a challenge). */
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    callers.set(request, await authenticateApiCaller(options, request, 'authzen_client.authentication_failed'));
  };
  const pep = (request: FastifyRequest): string => {
    const caller = callers.get(request);
    // The routes below authenticate in onRequest; a route without it must not decide for anyone.
    if (caller === undefined) throw new Error('AuthZEN route reached without an authenticated caller');
    return caller;
  };
  const json = (reply: FastifyReply, body: unknown) => reply.code(200).headers(NO_STORE_HEADERS).type('application/json').send(body);

  // The caller is authenticated before its body is read: who may not ask is not parsed for.
  app.post(AUTHZEN_PATHS.evaluation, { onRequest: authenticate }, async (request, reply) => {
    const caller = pep(request);
    const evaluation = readEvaluation(request.body);
    return json(reply, { decision: await pdp.evaluate(evaluation, caller) });
  });
  app.post(AUTHZEN_PATHS.evaluations, { onRequest: authenticate }, async (request, reply) => {
    const caller = pep(request);
    const input = readEvaluations(request.body);
    if (input.kind === 'single') return json(reply, { decision: await pdp.evaluate(input.evaluation, caller) });
    const decisions = await pdp.evaluateAll(input.evaluations, input.semantic, caller);
    return json(reply, { evaluations: decisions.map((decision) => ({ decision })) });
  });
}
