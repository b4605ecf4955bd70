import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerCertificate, ServerCertificateSource } from './mtls-server-certificate.js';

/** RFC 8705 §7.3 / BCP 195: TLS 1.2 at least; the handshake refuses anything older. */
export const MTLS_MIN_VERSION = 'TLSv1.2';
/** Retry delay after a failed certificate renewal. */
const RETRY_MS = 60_000;
/** Longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link createMtlsListener}. */
export interface MtlsListenerOptions {
  host: string;
  port: number;
  logger: Logger;
  now: () => number;
  genReqId: () => string;
  bodyLimit: number;
  certificate: ServerCertificateSource;
  /** Registers the routes (the public OAuth plugin, the CA's renewal routes). */
  routes: (app: FastifyInstance) => Promise<void>;
}

/** The mutual-TLS listener: its own fastify instance on its own port. */
export interface MtlsListener {
  app: FastifyInstance;
  /** Starts listening on the configured address (tests pass `port: 0` for a free one). */
  listen(override?: { port?: number }): Promise<AddressInfo>;
  /** Loads the server certificate again and swaps it in for new handshakes. */
  renew(): Promise<void>;
  close(): Promise<void>;
}

function secureContext(certificate: ServerCertificate) {
  return { cert: certificate.certificatePem, key: certificate.privateKeyPem, minVersion: MTLS_MIN_VERSION } as const;
}

/**
 * The RFC 8705 listener: TLS 1.2+ with client certificates requested but
 * not judged by the handshake (`requestCert: true, rejectUnauthorized: false`), so the endpoint
 * decides and a refusal is an OAuth error in JSON, never a TLS alert the client cannot read. The
 * server certificate is renewed in place (`setSecureContext`) before it expires.
 */
export async function createMtlsListener(options: MtlsListenerOptions): Promise<MtlsListener> {
  // The certificate is loaded at listen(), not here: a server that never listens issues none.
  let current: ServerCertificate | undefined;
  const app = Fastify({
    https: { minVersion: MTLS_MIN_VERSION, requestCert: true, rejectUnauthorized: false },
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // The peer is the client itself: no proxy in front of this listener is trusted.
    trustProxy: false,
    genReqId: options.genReqId,
    requestIdHeader: false,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await options.routes(app);

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const schedule = (at: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void renewSafely(), Math.min(MAX_TIMER_MS, Math.max(1000, at - options.now())));
    timer.unref();
  };
  const renew = async () => {
    const next = await options.certificate.load(options.now());
    if (next.certificatePem !== current?.certificatePem || next.privateKeyPem !== current.privateKeyPem) {
      app.server.setSecureContext(secureContext(next));
      if (current !== undefined) options.logger.info('mTLS server certificate renewed');
    }
    current = next;
    schedule(current.renewAt);
  };
  const renewSafely = async () => {
    try {
      await renew();
    } catch (error) {
      options.logger.error({ err: error }, 'mTLS server certificate renewal failed; retrying');
      schedule(options.now() + RETRY_MS);
    }
  };

  return {
    app,
    async listen(override) {
      await renew();
      await app.listen({ host: options.host, port: override?.port ?? options.port });
      return app.server.address() as AddressInfo;
    },
    renew,
    async close() {
      closed = true;
      clearTimeout(timer);
      await app.close();
    },
  };
}
