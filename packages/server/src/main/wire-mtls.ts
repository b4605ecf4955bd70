import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { TlsClientAuthDeps } from '../oauth/client-auth/tls-client-auth.js';
import { certificateBinding } from '../oauth/mtls/certificate-binding.js';
import type { ClientCertificate } from '../oauth/mtls/client-certificate.js';
import { parsePemCertificates, TrustedProxies } from '../oauth/mtls/proxy-client-certificate.js';
import type { SenderConstraintCheck } from '../oauth/sender-constraint.js';
import { proxyClientCertificate } from '../http/mtls-client-certificate.js';
import { createMtlsListener, type MtlsListener } from '../http/mtls-listener.js';
import { caServerCertificate, fileServerCertificate, type ServerCertificateSource } from '../http/mtls-server-certificate.js';
import type { MtlsCertificateAuthority } from '../http/mtls-ca-adapter.js';
import { PUBLIC_BODY_LIMIT } from '../http/public-app.js';

/** Options of {@link wireMtls}. */
export interface MtlsSetupOptions {
  config: Config;
  clock: Clock;
  logger: Logger;
  ca?: MtlsCertificateAuthority;
}

/** RFC 8705 as the server uses it. */
export interface MtlsSetup {
  /** For `ClientAuthenticationDeps.mtls`. */
  clientAuth: TlsClientAuthDeps;
  /** RFC 8705 §3 certificate binding (compose it with DPoP's check). */
  senderConstraint: SenderConstraintCheck;
  /** For the plain listener: a trusted proxy's forwarded client certificate (RFC 8705 §6.5). */
  proxyCertificate: ((request: FastifyRequest) => ClientCertificate | undefined) | undefined;
  /** Base URL of the mutual-TLS endpoints (`mtls_endpoint_aliases`), when the listener runs. */
  endpointUrl: string | undefined;
  /** True when clients can present certificates at all (listener or trusted proxy). */
  available: boolean;
  /** Builds the listener (not yet listening), or undefined when it is off. */
  createListener(genReqId: () => string, routes: (app: FastifyInstance) => Promise<void>): Promise<MtlsListener | undefined>;
}

/** Reads `AGENTAUTH_MTLS_TRUST_ANCHORS`: a PEM file of CA certificates, nothing else. */
function readTrustAnchors(file: string | undefined): readonly X509Certificate[] {
  if (file === undefined) return [];
  let anchors: X509Certificate[] | undefined;
  try {
    anchors = parsePemCertificates(readFileSync(file, 'utf8'));
  } catch {
    anchors = undefined;
  }
  if (anchors === undefined || anchors.some((a) => !a.ca)) {
    throw new TypeError(`AGENTAUTH_MTLS_TRUST_ANCHORS (${file}) must be a PEM file of CA certificates`);
  }
  return anchors;
}

/**
 * Builds RFC 8705 support from the configuration: trust anchors for `tls_client_auth` (our CA's
 * and the configured ones), certificate binding, the trusted-proxy header reader and the listener.
 * Throws `TypeError` for an unusable configuration (half a certificate, unreadable anchors).
 */
export function wireMtls(options: MtlsSetupOptions): MtlsSetup {
  const { config, clock, logger, ca } = options;
  if ((config.mtlsCertFile === undefined) !== (config.mtlsKeyFile === undefined)) {
    throw new TypeError('AGENTAUTH_MTLS_CERT_FILE and AGENTAUTH_MTLS_KEY_FILE go together');
  }
  const configured = readTrustAnchors(config.mtlsTrustAnchors);
  let lastBundle: readonly X509Certificate[] | undefined;
  let merged: readonly X509Certificate[] = configured;
  const trustAnchors = () => {
    const bundle = ca?.trustAnchors();
    // One merged array per CA bundle, so verified-chain caches survive until the bundle changes.
    if (bundle !== undefined && bundle !== lastBundle) {
      lastBundle = bundle;
      merged = [...bundle, ...configured];
    }
    return merged;
  };
  const clientAuth: TlsClientAuthDeps = { trustAnchors, ...(ca ? { isRevoked: (c: X509Certificate) => ca.isRevoked(c) } : {}) };

  let source: ServerCertificateSource | undefined;
  if (config.mtlsCertFile !== undefined && config.mtlsKeyFile !== undefined) source = fileServerCertificate(config.mtlsCertFile, config.mtlsKeyFile);
  else if (ca?.issueServerCertificate !== undefined) source = caServerCertificate(new URL(config.mtlsUrl ?? config.issuer).hostname, ca.issueServerCertificate);
  const listenerOn = config.mtlsPort !== 0 && source !== undefined;
  if (config.mtlsPort !== 0 && source === undefined) logger.warn('mTLS listener off: no server certificate (set AGENTAUTH_MTLS_CERT_FILE and AGENTAUTH_MTLS_KEY_FILE)');

  const proxyCertificate =
    config.mtlsProxyHeader === undefined || config.mtlsTrustedProxies.length === 0
      ? undefined
      : proxyClientCertificate({
          header: config.mtlsProxyHeader,
          trustedProxies: new TrustedProxies(config.mtlsTrustedProxies),
          onMalformed: (reason, request) => logger.warn({ reason, requestId: request.id }, 'unreadable client certificate header from a trusted proxy'),
        });

  return {
    clientAuth,
    senderConstraint: certificateBinding(),
    proxyCertificate,
    endpointUrl: listenerOn ? config.mtlsUrl : undefined,
    available: listenerOn || proxyCertificate !== undefined,
    async createListener(genReqId, routes) {
      if (!listenerOn || source === undefined) return undefined;
      return createMtlsListener({
        host: config.mtlsHost,
        port: config.mtlsPort,
        logger,
        now: () => clock.now(),
        genReqId,
        bodyLimit: PUBLIC_BODY_LIMIT,
        certificate: source,
        routes,
      });
    },
  };
}
