import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { clientCertificate, type ClientCertificate } from '../oauth/mtls/client-certificate.js';
import { readProxyCertificateHeader, type TrustedProxies } from '../oauth/mtls/proxy-client-certificate.js';
import { MAX_PRESENTED } from '../oauth/mtls/verify-certificate-chain.js';

/** Parsed once per connection: a keep-alive client pays for the parse on its first request only. */
const bySocket = new WeakMap<TLSSocket, ClientCertificate | null>();

/**
 * The client certificate of a request on the mutual-TLS listener (RFC 8705 §2), with the
 * intermediates the client sent. The handshake did not judge it (`rejectUnauthorized: false`):
 * client authentication does, so a bad certificate gets an OAuth `invalid_client`, not a TLS alert.
 */
export function tlsClientCertificate(request: FastifyRequest): ClientCertificate | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  let cached = bySocket.get(socket);
  if (cached === undefined) {
    cached = readPeer(socket);
    bySocket.set(socket, cached);
  }
  return cached ?? undefined;
}

function readPeer(socket: TLSSocket): ClientCertificate | null {
  // getPeerCertificate(true) links what the client sent through issuerCertificate (a self-signed
  // certificate links to itself). Called first and only: once getPeerX509Certificate() has run,
  // Node 20 no longer links the chain.
  const peer = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
  if (peer.raw === undefined || peer.raw.length === 0) return null;
  const leaf = new X509Certificate(peer.raw);
  const chain: X509Certificate[] = [];
  const seen = new Set<string>([leaf.fingerprint256]);
  let node = peer.issuerCertificate;
  while (node !== undefined && node.raw !== undefined && chain.length < MAX_PRESENTED) {
    const certificate = new X509Certificate(node.raw);
    if (seen.has(certificate.fingerprint256)) break;
    seen.add(certificate.fingerprint256);
    chain.push(certificate);
    node = (node as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return clientCertificate(leaf, chain, 'tls');
}

/** Options of {@link proxyClientCertificate}. */
export interface ProxyCertificateOptions {
  /** Lower-case header name (config `mtlsProxyHeader`). */
  header: string;
  trustedProxies: TrustedProxies;
  /** Told when a trusted proxy sent a header we cannot read (an operator problem, logged). */
  onMalformed: (reason: string, request: FastifyRequest) => void;
}

/**
 * RFC 8705 §6.5: the client certificate a TLS-terminating proxy forwarded, honoured only when
 * the directly connected peer (the socket address, never `X-Forwarded-For`) is a trusted proxy.
 * From anyone else the header is ignored, as if absent. A malformed header from a trusted proxy
 * also yields no certificate (fail closed) and is reported through `onMalformed`.
 */
export function proxyClientCertificate(options: ProxyCertificateOptions): (request: FastifyRequest) => ClientCertificate | undefined {
  return (request) => {
    if (!options.trustedProxies.has(request.raw.socket.remoteAddress)) return undefined;
    const values: string[] = [];
    const raw = request.raw.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === options.header) values.push(raw[i + 1] as string);
    const result = readProxyCertificateHeader(options.header, values);
    if (result.kind === 'malformed') options.onMalformed(result.reason, request);
    return result.kind === 'certificate' ? result.certificate : undefined;
  };
}
