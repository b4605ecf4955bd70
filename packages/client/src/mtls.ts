import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';

import { SCOPE_CERT } from '@agentauth/protocol';

import type { Agent } from './agent.js';
import { CertificateRenewalError, type CertificateStep } from './certificate-renewal-error.js';
import { discover } from './discovery.js';
import { createCsr } from './lib/csr.js';
import { mutualTlsFetch } from './mtls-fetch.js';
import { OAuthClientError } from './oauth-client-error.js';

export { CertificateRenewalError } from './certificate-renewal-error.js';

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
  /** Told of a failed background renewal (a CertificateRenewalError says what was refused and what to do). */
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

interface Held {
  certificate: CurrentCertificate;
  keyPem: string;
}

/**
 * Obtains the agent's first certificate with the agent's own key (`POST /agents/self/certificates`,
 * `private_key_jwt`, a CSR made here with a fresh P-256 key that never leaves), then renews it
 * over mutual TLS with the current certificate at two thirds of its lifetime. When renewal is
 * refused it asks for a new certificate with the agent's key once, then gives up with
 * {@link CertificateRenewalError} saying what was refused.
 *
 * While it runs, the agent's token requests go to the mutual-TLS token endpoint alias (RFC 8705
 * §5) with the current certificate, so an agent registered for certificate-bound tokens gets
 * `cnf.x5t#S256` tokens from `agent.getToken`; each new certificate drops the tokens bound to the
 * previous one. `close()` sends them back to the plain endpoint.
 *
 * `httpsAgent` always presents the current certificate: connections opened after a renewal use
 * the new one. Does NOT pin the mTLS listener beyond the CA bundle it trusts.
 */
export async function startCertificateManager(agent: Agent, options: CertificateManagerOptions = {}): Promise<CertificateManager> {
  const doFetch = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
  const metadata = await discover(agent.issuer, { fetch: doFetch });
  const alias = metadata.mtls_endpoint_aliases?.token_endpoint;
  const mtlsUrl = options.mtlsUrl ?? (alias === undefined ? undefined : new URL(alias).origin);
  // The alias's path on the listener in use (an explicit mtlsUrl may name another host for it).
  const tokenEndpoint = mtlsUrl === undefined ? undefined : new URL(new URL(alias ?? metadata.token_endpoint).pathname, mtlsUrl).href;
  let ca = options.ca;
  if (ca === undefined) {
    const bundleUrl = new URL('/ca/v1/bundle.pem', agent.issuer);
    const response = await doFetch(bundleUrl);
    if (!response.ok) throw new Error(`the CA bundle could not be fetched from ${bundleUrl.href}: HTTP ${response.status}`);
    ca = await response.text();
  }
  const manager = new CertificateManager(agent, mtlsUrl, tokenEndpoint, ca, options);
  await manager.renewByKey();
  manager.schedule();
  return manager;
}

/** Holds and renews an agent's certificate; see {@link startCertificateManager}. */
export class CertificateManager {
  #held: Held | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /**
   * How the current certificate was obtained: `mtls` (renewed by the previous one), `key` (asked
   * for with the agent's key) or `token` ({@link CertificateManager.renewByToken}).
   */
  lastMethod: 'mtls' | 'key' | 'token' = 'key';
  readonly #now: () => number;
  readonly #mtlsFetch: typeof fetch;
  /** An https.Agent that always presents the current certificate (for `https.request`, axios, ...). */
  readonly httpsAgent: HttpsAgent;

  /** @internal Use {@link startCertificateManager}. */
  constructor(
    private readonly agent: Agent,
    private readonly mtlsUrl: string | undefined,
    private readonly tokenEndpoint: string | undefined,
    private readonly ca: string,
    private readonly options: CertificateManagerOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.httpsAgent = new CurrentCertificateAgent(() => this.#tls(), { keepAlive: true });
    this.#mtlsFetch = mutualTlsFetch(() => this.#tls());
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
   * mTLS listener), with the agent's key. Throws CertificateRenewalError when both are refused.
   */
  async renew(): Promise<CurrentCertificate> {
    let refused: { error: string; status: number } | undefined;
    if (this.mtlsUrl !== undefined && this.#held !== undefined) {
      const keyPair = await newKeyPair();
      const response = await this.#mtlsFetch(new URL('/ca/v1/certificates', this.mtlsUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ csr: await createCsr(keyPair) }),
      });
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (response.status === 201) {
        this.lastMethod = 'mtls';
        return this.#accept(body, keyPair);
      }
      if (response.status >= 500) throw new Error(`certificate renewal over mutual TLS failed: HTTP ${response.status}`);
      refused = { error: typeof body['error'] === 'string' ? body['error'] : 'refused', status: response.status };
    }
    return this.#byKey(this.#held === undefined ? 'first' : refused === undefined ? 'key' : 'renewal', refused);
  }

  /**
   * A new certificate asked for with the agent's own key (`POST /agents/self/certificates`): no
   * token is needed, so this works for an agent registered for certificate-bound tokens that
   * holds no certificate yet. The agent must be allowed the scope `agentauth:cert`.
   */
  renewByKey(): Promise<CurrentCertificate> {
    return this.#byKey(this.#held === undefined ? 'first' : 'key', undefined);
  }

  /**
   * A new certificate with a token of scope `agentauth:cert` and the issuer as resource (the JSON
   * issuance API). Not for agents registered for certificate-bound tokens: the CA takes bearer
   * tokens only, so use {@link CertificateManager.renewByKey}.
   */
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
      if (error instanceof OAuthClientError || (error instanceof Error && error.name === 'InsufficientScopeError')) throw CertificateRenewalError.of('token', error as OAuthClientError);
      throw error;
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.status !== 201) {
      const error_description = typeof body['error_description'] === 'string' ? body['error_description'] : undefined;
      throw CertificateRenewalError.of('token', { error: typeof body['error'] === 'string' ? body['error'] : 'refused', status: response.status, error_description });
    }
    this.lastMethod = 'token';
    return this.#accept(body, keyPair);
  }

  /** Stops the renewal timer, closes idle connections, and sends token requests back to the plain endpoint. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.httpsAgent.destroy();
    if (this.tokenEndpoint !== undefined) this.agent.useMutualTls(undefined);
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

  async #byKey(step: CertificateStep, renewalRefusal: { error: string; status: number } | undefined): Promise<CurrentCertificate> {
    const keyPair = await newKeyPair();
    let body: Record<string, unknown>;
    try {
      body = await this.agent.requestOwnCertificate(await createCsr(keyPair));
    } catch (error) {
      if (error instanceof OAuthClientError) throw CertificateRenewalError.of(step, error, renewalRefusal);
      throw error;
    }
    this.lastMethod = 'key';
    return this.#accept(body, keyPair);
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
    // Tokens bound to the previous certificate (RFC 8705 §3.1) would be refused: bind anew.
    if (this.tokenEndpoint !== undefined && !this.#closed) this.agent.useMutualTls({ tokenEndpoint: this.tokenEndpoint, fetch: this.#mtlsFetch });
    return certificate;
  }

  #tls(): ConnectionOptions {
    const held = this.#held;
    if (held === undefined) throw new TypeError('no certificate yet');
    return { key: held.keyPem, cert: held.certificate.chainPem, ca: this.ca };
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
