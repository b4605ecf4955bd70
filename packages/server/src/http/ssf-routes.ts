import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateApiCaller } from './authenticate-api-caller.js';
import { SSF_CONFIGURATION_PATH, type TransmitterConfiguration } from '@agentauth/protocol';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { parsePollRequest } from '../signals/poll-request.js';
import { errorBody, invalidRequest, OAuthError, requestRefusedUnread, serverError } from '../oauth/oauth-error.js';
import { storageUnavailable } from './render-oauth-error.js';
import { SSF_PATHS } from '../signals/stream-config.js';
import type { RequestContext, StreamService } from '../signals/stream-service.js';
import type { SignalsTransmitter } from '../signals/transmitter.js';

export interface SsfRoutesOptions {
  configuration: TransmitterConfiguration;
  /** Authenticates a receiver's `Authorization` header; throws `OAuthError` 401/403. */
  authenticate: (authorization: string | undefined) => Promise<{ agentId: string }>;
  streams: StreamService;
  transmitter: Pick<SignalsTransmitter, 'poll'>;
  audit: AuditLog;
  clock: Clock;
}

/** Bound on every SSF request body; stream configurations and poll acks are small. */
const SSF_BODY_LIMIT = 64 * 1024;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * The Shared Signals transmitter's HTTP surface, one encapsulated fastify plugin with its own JSON
 * parser and error handler: SSF 1.0 §7 discovery, §8.1 stream management (configuration, status,
 * verification endpoints) and RFC 8936 poll delivery, one poll URL per stream.
 */
export async function ssfRoutes(app: FastifyInstance, options: SsfRoutesOptions): Promise<void> {
  const { streams, transmitter } = options;
  app.setErrorHandler((error: FastifyError | Error, request, reply) => renderSsfError(error, request, reply));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: SSF_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(invalidRequest('the body is not JSON'));
    }
  });

  const configurationBody = JSON.stringify(options.configuration);
  app.get(SSF_CONFIGURATION_PATH, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/json').send(configurationBody));

  /** Authenticates, audits a refusal, and gives the handler the receiver's context. */
  const receiver = async (request: FastifyRequest): Promise<RequestContext> => {
    const agentId = await authenticateApiCaller(options, request, 'ssf_receiver.authentication_failed');
    return { agentId, sourceIp: request.ip, requestId: request.id };
  };
  const streamIdQuery = (request: FastifyRequest) => {
    const { query } = request;
    const value = typeof query === 'object' && query !== null && 'stream_id' in query ? query.stream_id : undefined;
    if (value !== undefined && typeof value !== 'string') throw invalidRequest('stream_id given twice');
    return value;
  };
  const json = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).headers(NO_STORE).type('application/json').send(body);

  const config = SSF_PATHS.configuration;
  app.post(config, async (request, reply) => json(reply, 201, await streams.create(await receiver(request), request.body)));
  app.get(config, async (request, reply) => json(reply, 200, await streams.read(await receiver(request), streamIdQuery(request))));
  app.patch(config, async (request, reply) => json(reply, 200, await streams.update(await receiver(request), request.body, 'patch')));
  app.put(config, async (request, reply) => json(reply, 200, await streams.update(await receiver(request), request.body, 'replace')));
  app.delete(config, async (request, reply) => {
    await streams.delete(await receiver(request), streamIdQuery(request));
    return reply.code(204).headers(NO_STORE).send();
  });
  app.get(SSF_PATHS.status, async (request, reply) => json(reply, 200, await streams.status(await receiver(request), streamIdQuery(request))));
  app.post(SSF_PATHS.status, async (request, reply) => json(reply, 200, await streams.setStatus(await receiver(request), request.body)));
  app.post(SSF_PATHS.verification, async (request, reply) => {
    await streams.verify(await receiver(request), request.body);
    return reply.code(204).headers(NO_STORE).send();
  });

  // RFC 8936 §2: the receiver POSTs to its stream's poll URL (SSF 1.0 §6.1.2 `endpoint_url`).
  app.post<{ Params: { streamId: string } }>(`${SSF_PATHS.poll}/:streamId`, async (request, reply) => {
    const ctx = await receiver(request);
    const stream = await streams.owned(ctx, request.params.streamId);
    const parsed = parsePollRequest(request.body);
    if (typeof parsed === 'string') throw invalidRequest(parsed);
    // A long poll ends early when the receiver goes away: its socket closes before we answer.
    const abort = new AbortController();
    reply.raw.once('close', () => abort.abort());
    const response = await transmitter.poll(stream.streamId, parsed, abort.signal);
    return json(reply, 200, response);
  });
}

/**
 * Renders a refusal: the status SSF 1.0 §8.1 names, RFC 6750 §3 challenge headers for token
 * problems, and a JSON body — OAuth-style `{ error, error_description }`, except on the poll
 * endpoint, where RFC 8936 §2.4.4 / RFC 8935 §2.3 name the members `err` and `description`. The
 * description is the code's fixed text, or for a request the receiver got wrong, the member and the
 * rule. Anything unexpected is `server_error`, with nothing internal in the response.
 */
function renderSsfError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let ssf = error instanceof OAuthError ? error : (requestRefusedUnread(error) ?? storageUnavailable(error));
  if (ssf === undefined) {
    request.log.error({ err: error }, 'unexpected error on the SSF surface');
    ssf = serverError('unexpected error');
  }
  request.log.info({ err_code: ssf.code, detail: ssf.detail }, 'ssf request refused');
  const poll = (request.routeOptions.url ?? '').startsWith(SSF_PATHS.poll);
  const body = poll && ssf.status === 400 ? { err: ssf.code, description: ssf.description } : errorBody(ssf);
  return reply.code(ssf.status).headers({ ...NO_STORE, ...ssf.headers }).type('application/json').send(body);
}
