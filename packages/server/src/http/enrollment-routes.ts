import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorizationServerMetadataUrl } from '@agentauth/protocol';
import { invalidGrant, invalidRequest, OAuthError, TooManyFailuresError } from '../oauth/oauth-error.js';
import type { FailureLimiter } from '../limits/failure-limiter.js';
import { NO_STORE_HEADERS } from '../oauth/oauth-request.js';
import { FormParameters } from '../oauth/form-parameters.js';
import { EnrollmentError, type EnrollmentService } from '../enrollment/enrollment-service.js';
import { issueOwnCertificate, type SelfServiceCertificateDeps } from '../ca/self-service-certificate.js';
import { addOwnKey, removeOwnKey, type SelfServiceKeysDeps } from '../enrollment/self-service-keys.js';
import { AgentParams } from '../admin/wire/agent.js';
import { CreateEnrollmentTokenRequest, EnrollmentToken } from '../admin/wire/enrollment-token.js';
import { rfc3339 } from '../admin/wire/primitives.js';
import { adminRoute, type AdminRoute } from './admin-route.js';
import { renderOAuthError } from './render-oauth-error.js';

/** Public path of the enrolment endpoint. */
export const ENROLL_PATH = '/enroll';
/** Public paths of self-service key rotation. */
export const SELF_KEYS_PATH = '/agents/self/keys';
export const SELF_KEYS_REVOKE_PATH = '/agents/self/keys/revoke';
/** Public path of a certificate by the agent's own key. */
export const SELF_CERTIFICATES_PATH = '/agents/self/certificates';

/** Enrolment bodies are a token and one public JWK: small. */
const ENROLL_BODY_LIMIT = 16 * 1024;

/** Options of {@link enrollmentRoutes}. */
export interface EnrollmentRoutesOptions {
  issuer: string;
  enrollment: EnrollmentService;
  selfKeys: SelfServiceKeysDeps;
  selfCertificates: SelfServiceCertificateDeps;
  /** Failed-authentication limits (docs/oauth.md): a refused enrolment token counts against its address. */
  limits?: FailureLimiter | undefined;
}

/**
 * The agent-facing enrolment surface (docs/agent-sdk.md), one encapsulated fastify plugin with
 * its own parsers and RFC 6749 §5.2 error rendering:
 *
 * - `POST /enroll` (public; JSON `{ enrollment_token, jwk }` or the same as a form with `jwk` a
 *   JSON string): consumes the one-time token and registers the public key. 200 `{ client_id,
 *   agent_id, credential_id, kid, issuer, authorization_server_metadata }`. A bad, used or expired
 *   token is 400 `invalid_grant`; a malformed key or request 400 `invalid_request`.
 * - `POST /agents/self/keys` and `POST /agents/self/keys/revoke` (form, `private_key_jwt`): the
 *   agent adds a key / removes a key by `kid` (self-service-keys.ts).
 * - `POST /agents/self/certificates` (form, `private_key_jwt`, `csr`): a certificate without a
 *   token, for agents that hold none yet (ca/self-service-certificate.ts). 201 as
 *   `POST /ca/v1/certificates` answers.
 */
export async function enrollmentRoutes(app: FastifyInstance, opts: EnrollmentRoutesOptions): Promise<void> {
  app.setErrorHandler((error, request, reply) => renderOAuthError(toOAuthError(error) as Error, request, reply));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: ENROLL_BODY_LIMIT }, (_request, body, done) => done(null, body));
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: ENROLL_BODY_LIMIT }, parseJson);

  const metadataUrl = authorizationServerMetadataUrl(opts.issuer).href;
  app.post(ENROLL_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    const refused = opts.limits?.refuseAddress(request.ip);
    if (refused !== undefined) throw new TooManyFailuresError(refused);
    const { token, jwk } = enrollParameters(request.body);
    let result;
    try {
      result = await opts.enrollment.enroll(token, jwk, { sourceIp: request.ip, requestId: request.id });
    } catch (error) {
      // An enrolment token is a credential: guessing one is a failed authentication.
      if (!(error instanceof EnrollmentError) || error.kind !== 'grant' || opts.limits === undefined) throw error;
      const wait = await opts.limits.recordFailure({ address: request.ip, requestId: request.id });
      throw wait === undefined ? error : new TooManyFailuresError(wait, toOAuthError(error) as OAuthError);
    }
    return reply
      .headers(NO_STORE_HEADERS)
      .type('application/json')
      .send({
        client_id: result.agentId,
        agent_id: result.agentId,
        credential_id: result.credentialId,
        kid: result.kid,
        token_endpoint_auth_method: 'private_key_jwt',
        issuer: opts.issuer,
        authorization_server_metadata: metadataUrl,
      });
  });

  const selfRequest = (request: FastifyRequest) => {
    if (typeof request.body !== 'string') throw invalidRequest('self-service requests are form-encoded');
    const authorization = request.headers.authorization;
    return { body: request.body, authorization: typeof authorization === 'string' ? authorization : undefined, sourceIp: request.ip, requestId: request.id };
  };
  app.post(SELF_KEYS_PATH, async (request, reply) => {
    const added = await addOwnKey(opts.selfKeys, selfRequest(request));
    return reply.code(201).headers(NO_STORE_HEADERS).type('application/json').send({ client_id: added.agentId, credential_id: added.credentialId, kid: added.kid });
  });
  app.post(SELF_KEYS_REVOKE_PATH, async (request, reply) => {
    const removed = await removeOwnKey(opts.selfKeys, selfRequest(request));
    return reply.headers(NO_STORE_HEADERS).type('application/json').send({ client_id: removed.agentId, kid: removed.kid, removed: true });
  });
  app.post(SELF_CERTIFICATES_PATH, async (request, reply) => {
    const issued = await issueOwnCertificate(opts.selfCertificates, selfRequest(request));
    return reply
      .code(201)
      .headers(NO_STORE_HEADERS)
      .type('application/json')
      .send({ spiffe_id: issued.spiffeId, serial: issued.serial, certificate_chain: issued.chainPem, expires_at: new Date(issued.notAfter).toISOString() });
  });
}

/** The admin route that creates enrolment tokens (docs/admin-api.md). */
export function enrollmentAdminRoutes(service: EnrollmentService): AdminRoute[] {
  return [
    adminRoute({
      method: 'POST',
      url: '/agents/:id/enrollment-tokens',
      operationId: 'createEnrollmentToken',
      summary: 'Create a one-time enrolment token for the agent (shown once; SHA-256 only at rest).',
      schema: { params: AgentParams, body: CreateEnrollmentTokenRequest },
      bodyOptional: true,
      success: { status: 201, schema: EnrollmentToken },
      authenticated: true,
      handler: async ({ params, body }, reply, ctx) => {
        const created = await service.createToken(params.id, body.ttl, ctx.audit);
        reply.code(201);
        return { id: created.id, agent_id: created.agentId, token: created.token, expires_at: rfc3339(created.expiresAt) };
      },
    }),
  ];
}

/** JSON `{ enrollment_token, jwk }`, or a form with `jwk` as a JSON string. */
function enrollParameters(body: unknown): { token: unknown; jwk: unknown } {
  if (typeof body === 'string') {
    const form = FormParameters.parse(body);
    if (form instanceof OAuthError) throw form;
    const text = form.get('jwk');
    let jwk: unknown;
    try {
      jwk = text === undefined ? undefined : JSON.parse(text);
    } catch {
      throw invalidRequest('jwk is not JSON');
    }
    return { token: form.get('enrollment_token'), jwk };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('the body must be a JSON object or a form');
  const members = new Map<string, unknown>(Object.entries(body));
  if ([...members.keys()].some((m) => m !== 'enrollment_token' && m !== 'jwk')) throw invalidRequest('unknown member in the enrolment request');
  return { token: members.get('enrollment_token'), jwk: members.get('jwk') };
}

function toOAuthError(error: unknown): unknown {
  if (!(error instanceof EnrollmentError)) return error;
  if (error.kind === 'grant') return invalidGrant(error.detail);
  // The key the caller sent was refused: the reason names the rule, and a public key holds no secret.
  return invalidRequest(error.detail);
}
