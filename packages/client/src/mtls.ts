import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';

import { SCOPE_CERT } from '@agentauth/protocol';

import type { Agent } from './agent.js';
import { discover } from './discovery.js';
import { createCsr } from './lib/csr.js';

/** Options of {@link startCertificateManager}. */
export interface CertificateManagerOptions {
  /**
   * Base URL of the mutual-TLS listener (RFC 8705 §5); by default the origin of the server's
   * `mtls_endpoint_aliases.token_endpoint`.
   */
  mtlsUrl?: string;
  /** PEM trust anchors for the listener's certificate; by default the CA bundle (`/ca/v1/bundle.pem`). */
  ca?: string;
  /** Renew on a timer at two thirds of each certificate's lifetime (default true). */
  autoRenew?: boolean;
  /** Milliseconds since the epoch; inject a frozen clock in tests. */
  now?: () => number;
  /** Told of a failed background renewal (a CertificateRenewalError when the agent must re-enrol). */
  onError?: (error: unknown) => void;
  fetch?: typeof fetch;
}

/** The agent's current certificate (an X.509-SVID, docs/ca.md), without its private key. */
export interface CurrentCertificate {
  /** Leaf then issuing CA, PEM. */
  chainPem: string;
  serial: string;
  spiffeId: string;
  notBefore: number;
  notAfter: number;
  /** Two thirds of the way from notBefore to notAfter. */
  renewAt: number;
}

/**
 * The certificate could not be renewed: the server refused both renewal by the current
 * certificate and a new one with the agent's token (revoked certificate, suspended agent, removed
 * key). Nothing will succeed until an operator acts: re-enable the agent or give it a new
 * enrolment token (`agentauth agents enroll-token ID`) and start it with an empty key store.
 */
export class CertificateRenewalError extends Error {
  override readonly name = 'CertificateRenewalError';
  /** The OAuth `error` of the last refusal, e.g. `invalid_client`. */
  readonly error: string;
  readonly status: number;
  constructor(error: string, status: number) {
    super(`certificate renewal refused (${error}, HTTP ${status}); the agent must be re-enabled or re-enrolled (agentauth agents enroll-token ID)`);
    this.error = error;
    this.status = status;
  }
}

interface Held {
  certificate: CurrentCertificate;
  keyPem: string;
}

/**
 * Obtains the agent's first certificate with a token of scope `agentauth:cert` for the issuer
 * (`POST /ca/v1/certificates`, a CSR made here with a fresh P-256 key that never leaves), then
 * renews it over mutual TLS with the current certificate at two thirds of its lifetime. When
 * renewal is refused it falls back to a new certificate by token once, then gives up with
 * {@link CertificateRenewalError}.
 *
 * `httpsAgent` always presents the current certificate: connections opened after a renewal use
 * the new one. Does NOT pin the mTLS listener beyond the CA bundle it trusts.
 */
export async function startCertificateManager(agent: Agent, options: CertificateManagerOptions = {}): Promise<CertificateManager> {
  const doFetch = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
  const metadata = await discover(agent.issuer, { fetch: doFetch });
  const aliases = (metadata as { mtls_endpoint_aliases?: { token_endpoint?: string } }).mtls_endpoint_aliases;
  const mtlsUrl = options.mtlsUrl ?? (aliases?.token_endpoint === undefined ? undefined : new URL(aliases.token_endpoint).origin);
  let ca = options.ca;
  if (ca === undefined) {
    const response = await doFetch(new URL('/ca/v1/bundle.pem', agent.issuer));
    if (!response.ok) throw new CertificateRenewalError('ca_unavailable', response.status);
    ca = await response.text();
  }
  const manager = new CertificateManager(agent, mtlsUrl, ca, options);
  await manager.renewByToken();
  manager.schedule();
  return manager;
}

/** Holds and renews an agent's certificate; see {@link startCertificateManager}. */
export class CertificateManager {
  #held: Held | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** How the current certificate was obtained: `mtls` (renewed by the previous one) or `token`. */
  lastMethod: 'mtls' | 'token' = 'token';
  readonly #now: () => number;
  /** An https.Agent that always presents the current certificate (for `https.request`, axios, ...). */
  readonly httpsAgent: HttpsAgent;

  /** @internal Use {@link startCertificateManager}. */
  constructor(
    private readonly agent: Agent,
    private readonly mtlsUrl: string | undefined,
    private readonly ca: string,
    private readonly options: CertificateManagerOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.httpsAgent = new CurrentCertificateAgent(() => this.#tls(), { keepAlive: true });
  }

  /** The current certificate. */
  get current(): CurrentCertificate {
    if (this.#held === undefined) throw new TypeError('no certificate yet');
    return this.#held.certificate;
  }

  /** TLS options presenting the current certificate and trusting the CA bundle (for undici's `connect`, `tls.connect`). */
  tlsOptions(): ConnectionOptions {
    return this.#tls();
  }

  /** Renews when two thirds of the lifetime have passed; true when it renewed. */
  async renewIfDue(): Promise<boolean> {
    if (this.#now() < this.current.renewAt) return false;
    await this.renew();
    return true;
  }

  /**
   * Renews now: over mutual TLS with the current certificate; if that is refused (or there is no
   * mTLS listener), by token. Throws CertificateRenewalError when both are refused.
   */
  async renew(): Promise<CurrentCertificate> {
    if (this.mtlsUrl !== undefined && this.#held !== undefined) {
      const keyPair = await newKeyPair();
      const csr = await createCsr(keyPair);
      const answer = await this.#postOverMtls(csr);
      if (answer.status === 201) {
        this.lastMethod = 'mtls';
        return this.#accept(answer.body, keyPair);
      }
      if (answer.status >= 500) throw new Error(`certificate renewal failed: HTTP ${answer.status}`);
    }
    return this.renewByToken();
  }

  /** A new certificate with a token of scope `agentauth:cert` and the issuer as resource. */
  async renewByToken(): Promise<CurrentCertificate> {
    const keyPair = await newKeyPair();
    const csr = await createCsr(keyPair);
    let response: Response;
    try {
      response = await this.agent.fetch(new URL('/ca/v1/certificates', this.agent.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ csr }),
        resource: this.agent.issuer,
        scope: SCOPE_CERT,
      });
    } catch (error) {
      const code = (error as { error?: unknown }).error;
      if (typeof code === 'string') throw new CertificateRenewalError(code, (error as { status?: number }).status ?? 400);
      throw error;
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.status !== 201) throw new CertificateRenewalError(typeof body['error'] === 'string' ? body['error'] : 'refused', response.status);
    this.lastMethod = 'token';
    return this.#accept(body, keyPair);
  }

  /** Stops the renewal timer and closes idle connections. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.httpsAgent.destroy();
  }

  /** @internal Arms the renewal timer for the current certificate. */
  schedule(): void {
    if (this.options.autoRenew === false || this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const delay = Math.max(1_000, this.current.renewAt - this.#now());
    this.#timer = setTimeout(() => {
      this.renew()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => this.schedule());
    }, Math.min(delay, 2 ** 31 - 1));
    this.#timer.unref();
  }

  async #accept(body: Record<string, unknown>, keyPair: CryptoKeyPair): Promise<CurrentCertificate> {
    const chainPem = body['certificate_chain'];
    if (typeof chainPem !== 'string') throw new Error('the certificate response has no certificate_chain');
    const leaf = new X509Certificate(chainPem);
    const keyPem = await pkcs8Pem(keyPair.privateKey);
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) throw new Error('the certificate is not for the key we sent');
    const notBefore = Date.parse(leaf.validFrom);
    const notAfter = Date.parse(leaf.validTo);
    const certificate: CurrentCertificate = {
      chainPem,
      serial: leaf.serialNumber.toLowerCase(),
      spiffeId: typeof body['spiffe_id'] === 'string' ? body['spiffe_id'] : '',
      notBefore,
      notAfter,
      renewAt: notBefore + Math.floor(((notAfter - notBefore) * 2) / 3),
    };
    this.#held = { certificate, keyPem };
    return certificate;
  }

  #tls(): ConnectionOptions {
    const held = this.#held;
    if (held === undefined) throw new TypeError('no certificate yet');
    return { key: held.keyPem, cert: held.certificate.chainPem, ca: this.ca };
  }

  #postOverMtls(csr: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const url = new URL('/ca/v1/certificates', this.mtlsUrl);
    const payload = JSON.stringify({ csr });
    return new Promise((resolve, reject) => {
      const request = httpsRequest(url, { method: 'POST', ...this.#tls(), agent: false, headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 64 * 1024) request.destroy(new Error('certificate response too large'));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            // A refusal without JSON is still a refusal.
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      });
      request.on('error', reject);
      request.end(payload);
    });
  }
}

/** An https.Agent whose new connections present whatever certificate is current. */
class CurrentCertificateAgent extends HttpsAgent {
  constructor(
    private readonly current: () => ConnectionOptions,
    options: HttpsAgentOptions,
  ) {
    super(options);
  }

  // Returning the socket is enough: Node's Agent treats a returned socket as created.
  override createConnection(options: ConnectionOptions): Duplex {
    const socket: TLSSocket = connect({ ...options, ...this.current() });
    return socket;
  }

  /** Pools per certificate, so a connection made with the old one is never reused after renewal. */
  override getName(options?: Parameters<HttpsAgent['getName']>[0]): string {
    const cert = this.current().cert;
    return `${super.getName(options)}:${typeof cert === 'string' ? cert.length.toString(36) + cert.slice(-48) : ''}`;
  }
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END PRIVATE KEY-----\n`;
}
