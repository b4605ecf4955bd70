import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SCOPE_CERT } from '@agentauth/protocol';
import { Type } from 'typebox';
import { IssueCertificateRequest } from '../admin/wire/certificate.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { createCertificateRequestAuthenticator, type CertificateRequestAuth, type CertificateRequestAuthDeps } from '../ca/authenticate-certificate-request.js';
import { createCertificateAuthenticator } from '../ca/authenticate-by-certificate.js';
import { CaError } from '../ca/ca-error.js';
import type { CertificateAuthority, IssueOptions } from '../ca/certificate-authority.js';
import { CsrError, MAX_CSR_BYTES } from '../ca/certification-request.js';
import { EST_PATHS, estCaCerts, estEnroll, MAX_EST_BODY, type EstResponse } from '../ca/est.js';
import { spiffeBundle } from '../ca/spiffe-bundle.js';
import type { ClientCertificate } from '../oauth/mtls/client-certificate.js';
import { accessDenied, errorBody, insufficientScope, invalidClientCertificate, invalidCsr, invalidToken, notFound, requestRefusedUnread, serverError, type OAuthError } from '../oauth/oauth-error.js';
import { storageUnavailable } from './render-oauth-error.js';

/** Options of {@link caRoutes}. */
export interface CaRoutesOptions {
  ca: CertificateAuthority;
  auth: CertificateRequestAuthDeps;
  audit: AuditLog;
  clock: Clock;
  /**
   * The client certificate of a request, for renewal by the agent's current certificate: the
   * mutual-TLS handshake on that listener (`tlsClientCertificate`), a trusted proxy's header on
   * the plain one (`MtlsSetup.proxyCertificate`, RFC 8705 §6.5). Absent: no renewal by certificate.
   */
  clientCertificate?: ((request: FastifyRequest) => ClientCertificate | undefined) | undefined;
}

/** Who a certificate is issued to, and how it was asked for. */
interface Requester {
  agentId: string;
  options: IssueOptions;
}

/** `POST /ca/v1/certificates` takes `{"csr": "<PEM>"}`: a PEM CSR of at most 16 KiB DER, with margin. */
const JSON_BODY_LIMIT = MAX_CSR_BYTES * 2;
/** Path parameters of `/ca/v1/crl/{id}`: an issuing CA's id. */
const CrlParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{2,128}$' }) });

/**
 * The CA's public surface (docs/ca.md), one encapsulated fastify plugin: the JSON issuance API
 * (bearer token, or renewal by the current certificate), the trust bundle (PEM and SPIFFE JWKS), the
 * CRLs, and RFC 7030 EST `cacerts`, `simpleenroll` and `simplereenroll` (certificate only).
 * Its body parsers (JSON, `application/pkcs10`) and error handler reach these routes only.
 */
export async function caRoutes(app: FastifyInstance, options: CaRoutesOptions): Promise<void> {
  const { ca } = options;
  // Routes with a schema get their params and body typed by it.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticate = createCertificateRequestAuthenticator(options.auth);
  const authenticateCertificate = createCertificateAuthenticator({ ca, agents: options.auth.store, clock: options.clock });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJson);
  app.addContentTypeParser('application/pkcs10', { parseAs: 'string', bodyLimit: MAX_EST_BODY }, (_request, body, done) => done(null, body));
  const send = (reply: FastifyReply, error: OAuthError) => reply.code(error.status).headers(error.headers).send(errorBody(error));
  app.setErrorHandler((error, request, reply) => {
    let refused = requestRefusedUnread(error) ?? storageUnavailable(error);
    if (refused === undefined) {
      request.log.error({ err: error, reqId: request.id }, 'CA endpoint: unexpected error');
      refused = serverError('unexpected error');
    }
    // RFC 7030 §4.2.3: an EST client reads a refusal as text, whatever the status.
    if ((Object.values(EST_PATHS) as string[]).includes(request.routeOptions.url ?? '')) {
      return reply.code(refused.status).headers(refused.headers).type('text/plain; charset=utf-8').send(`${refused.description}\n`);
    }
    return send(reply, refused);
  });

  /** The `certificate.denied` record of a refused request: who it claimed to be, why, on which path. */
  function auditDenied(request: FastifyRequest, agentId: string | null, reason: string, details: Record<string, string> = {}): Promise<void> {
    return options.audit.record({
      time: options.clock.now(),
      event: 'certificate.denied',
      outcome: 'failure',
      agentId,
      actor: agentId === null ? null : `agent:${agentId}`,
      sourceIp: request.ip,
      reason,
      requestId: request.id,
      details: { path: request.url.split('?')[0] ?? '', ...details },
    });
  }

  /** Authenticates, and audits a refusal as `certificate.denied`; sends the RFC 6750 §3 answer. */
  async function agentOf(request: FastifyRequest, reply: FastifyReply, est: boolean): Promise<string | undefined> {
    const result: CertificateRequestAuth = await authenticate(request.headers.authorization);
    if (result.ok) return result.agentId;
    await auditDenied(request, result.agentId, `${result.error}: ${result.reason}`);
    const refusal = result.error === 'insufficient_scope' ? insufficientScope(SCOPE_CERT, result.reason) : invalidToken(result.reason);
    if (est) await reply.code(refusal.status).headers(refusal.headers).type('text/plain; charset=utf-8').send(`${refusal.description}\n`);
    else await send(reply, refusal);
    return undefined;
  }

  /**
   * Renewal: authenticates by the client certificate (authenticate-by-certificate.ts), and audits a
   * refusal as `certificate.denied`. JSON: 401 `invalid_client` (a bearer token is the other way in);
   * EST: 403 (RFC 7030 §3.3.2: the TLS client certificate is not acceptable; no HTTP auth is offered).
   */
  async function agentOfCertificate(request: FastifyRequest, reply: FastifyReply, presented: ClientCertificate | undefined, est: boolean): Promise<Requester | undefined> {
    const result = await authenticateCertificate(presented);
    if (result.ok) return { agentId: result.agentId, options: { renewing: result.certificate.raw, sameIdentity: est } };
    await auditDenied(request, result.agentId, `invalid_client: ${result.reason}`.slice(0, 200), { authentication: 'certificate', ...(presented === undefined ? {} : { source: presented.source }) });
    const refusal = invalidClientCertificate(result.reason);
    if (est) await reply.code(403).type('text/plain; charset=utf-8').send(`${refusal.description}\n`);
    else await send(reply, refusal);
    return undefined;
  }

  /**
   * `POST /ca/v1/certificates`: a bearer token when the request has an `Authorization` header;
   * otherwise the client certificate, when one was presented (renewal); otherwise the bearer refusal.
   */
  async function requester(request: FastifyRequest, reply: FastifyReply): Promise<Requester | undefined> {
    const presented = request.headers.authorization === undefined ? options.clientCertificate?.(request) : undefined;
    if (presented !== undefined) return agentOfCertificate(request, reply, presented, false);
    const agentId = await agentOf(request, reply, false);
    return agentId === undefined ? undefined : { agentId, options: {} };
  }

  const context = (request: FastifyRequest, agentId: string) => ({ actor: `agent:${agentId}`, sourceIp: request.ip, requestId: request.id });

  // `{"csr": "<PEM>"}`, the body the admin API's issuance takes too.
  typed.post(
    '/ca/v1/certificates',
    { schema: { body: IssueCertificateRequest } },
    async (request, reply) => {
      const who = await requester(request, reply);
      if (who === undefined) return reply;
      try {
        const issued = await ca.issueForAgent(who.agentId, request.body.csr, context(request, who.agentId), who.options);
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ spiffe_id: issued.spiffeId, serial: issued.serial, certificate_chain: issued.chainPem, expires_at: new Date(issued.notAfter).toISOString() });
      } catch (error) {
        if (error instanceof CsrError) return send(reply, invalidCsr(error.message, error.code));
        if (error instanceof CaError) return send(reply, accessDenied(error.message));
        throw error;
      }
    },
  );

  app.get('/ca/v1/bundle.pem', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/x-pem-file').send(ca.trustBundle().pem));
  app.get('/ca/v1/bundle.json', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/json').send(spiffeBundle(ca.trustBundle().roots)));

  const sendCrl = async (reply: FastifyReply, id: string | undefined) => {
    const der = id === undefined ? undefined : await ca.crls.der(id);
    if (der === undefined) return send(reply, notFound('There is no CRL for this CA.'));
    // Short cache: a revocation must reach relying parties within about a minute.
    return reply.header('cache-control', 'public, max-age=30').type('application/pkix-crl').send(der);
  };
  app.get('/ca/v1/crl', async (_request, reply) => sendCrl(reply, ca.activeId()));
  typed.get('/ca/v1/crl/:id', { schema: { params: CrlParams } }, async (request, reply) => {
    const { id } = request.params;
    return sendCrl(reply, ca.authorities().some((r) => r.id === id && r.kind === 'intermediate') ? id : undefined);
  });

  const sendEst = (reply: FastifyReply, response: EstResponse) => reply.code(response.status).headers(response.headers).send(response.body);
  app.get(EST_PATHS.cacerts, async (_request, reply) => sendEst(reply, estCaCerts(ca)));
  app.post(EST_PATHS.simpleenroll, async (request, reply) => {
    const agentId = await agentOf(request, reply, true);
    if (agentId === undefined) return reply;
    if (typeof request.body !== 'string') return reply.code(415).type('text/plain; charset=utf-8').send('the body must be application/pkcs10\n');
    return sendEst(reply, await estEnroll(ca, agentId, request.body, context(request, agentId)));
  });
  // RFC 7030 §4.2.2: re-enrollment is authenticated by the current certificate only, never a token.
  app.post(EST_PATHS.simplereenroll, async (request, reply) => {
    const who = await agentOfCertificate(request, reply, options.clientCertificate?.(request), true);
    if (who === undefined) return reply;
    if (typeof request.body !== 'string') return reply.code(415).type('text/plain; charset=utf-8').send('the body must be application/pkcs10\n');
    return sendEst(reply, await estEnroll(ca, who.agentId, request.body, context(request, who.agentId), who.options));
  });
}
