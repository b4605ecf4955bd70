import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import { FetchError } from '../../net/fetch-error.js';
import type { GuardedFetch } from '../../net/guarded-fetch.js';
import type { RequestContext } from './request-context.js';
import { checkClientIdUrl } from './client-id-url.js';
import { readClientMetadataDocument, type PublicClient } from './client-metadata-document.js';
import { ClientMetadataError } from './client-metadata-error.js';

/** The media type a Client ID Metadata Document is served with (draft §4.1). */
export const CLIENT_METADATA_MEDIA_TYPES = ['application/json'] as const;
/** The largest document read (draft §6.6 recommends 5 KiB); a bigger one is refused while it streams. */
export const CLIENT_METADATA_MAX_BYTES = 5 * 1024;
/** Deadline for fetching a document, connection included. */
export const CLIENT_METADATA_TIMEOUT_MS = 3000;

/** Options of {@link ClientMetadataDocuments}. */
export interface ClientMetadataDocumentsOptions {
  /** The SSRF-guarded GET, built with the size limit and deadline above. */
  fetch: GuardedFetch;
  clock: Clock;
  audit: AuditLog;
  /** `clientMetadataAllowPrivateNetworks`: `http` and IP literals on loopback pass the URL check. */
  allowLoopback: boolean;
  /** A document is reused at least this long, ms (default 60 s): `max-age=0` cannot make us fetch per request. */
  minTtlMs?: number;
  /** And at most this long, ms (default 1 h): a changed document is seen within the hour. */
  maxTtlMs?: number;
  /** Used when the answer has no `max-age`, ms (default 5 min). */
  defaultTtlMs?: number;
  /** Documents remembered at once (default 10 000); the oldest is forgotten first. */
  maxEntries?: number;
}

interface Entry {
  client: PublicClient;
  expiresAt: number;
}

/**
 * Clients identified by a Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document):
 * the client id is checked (`checkClientIdUrl`), the document fetched with a GET through the
 * SSRF-guarded client (https only, private addresses refused, redirects not followed, only 200
 * with `application/json`, at most 5 KiB counted while streaming, a 3 s deadline), read
 * (`readClientMetadataDocument`), and cached for its `Cache-Control` `max-age` within [min, max]
 * (draft §4.4). Concurrent requests for one URL share one fetch. A failure is never cached (§4.4)
 * and is recorded as `client_metadata.refused` with the rule it broke.
 *
 * Does NOT store anything: a client is remembered in the database only once a person consents.
 */
export class ClientMetadataDocuments {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<PublicClient>>();
  private readonly minTtl: number;
  private readonly maxTtl: number;
  private readonly defaultTtl: number;
  private readonly maxEntries: number;

  constructor(private readonly options: ClientMetadataDocumentsOptions) {
    this.minTtl = options.minTtlMs ?? 60_000;
    this.maxTtl = options.maxTtlMs ?? 3_600_000;
    this.defaultTtl = options.defaultTtlMs ?? 300_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /**
   * The client `clientId` (a URL) describes.
   *
   * @throws {ClientMetadataError} the URL, the fetch or the document refused; already audited
   */
  async resolve(clientId: string, ctx: RequestContext): Promise<PublicClient> {
    const now = this.options.clock.now();
    const cached = this.entries.get(clientId);
    if (cached !== undefined && now < cached.expiresAt) return cached.client;
    let pending = this.inFlight.get(clientId);
    if (pending === undefined) {
      pending = this.load(clientId, now).finally(() => this.inFlight.delete(clientId));
      this.inFlight.set(clientId, pending);
    }
    try {
      return await pending;
    } catch (error) {
      if (!(error instanceof ClientMetadataError)) throw error;
      await this.options.audit.record({
        time: now,
        event: 'client_metadata.refused',
        outcome: 'failure',
        agentId: null,
        actor: ctx.actor,
        sourceIp: ctx.sourceIp,
        reason: error.message,
        requestId: ctx.requestId,
        details: { client_id: clientId.slice(0, 1024), code: error.code },
      });
      throw error;
    }
  }

  private async load(clientId: string, now: number): Promise<PublicClient> {
    this.entries.delete(clientId);
    const url = checkClientIdUrl(clientId, { allowLoopback: this.options.allowLoopback });
    let fetched;
    try {
      fetched = await this.options.fetch(clientId, CLIENT_METADATA_MEDIA_TYPES);
    } catch (error) {
      if (error instanceof FetchError) throw new ClientMetadataError(error.code, fetchRefusal(error), error.message);
      throw error;
    }
    const client = readClientMetadataDocument(clientId, url, fetched.body, now, { allowLoopback: this.options.allowLoopback });
    const ttl = fetched.maxAgeSeconds === undefined ? this.defaultTtl : Math.min(this.maxTtl, Math.max(this.minTtl, fetched.maxAgeSeconds * 1000));
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(clientId, { client, expiresAt: now + ttl });
    return client;
  }
}

/** What the developer who publishes the document is told: the rule, never the body. */
function fetchRefusal(error: FetchError): string {
  const rule: Record<FetchError['code'], string> = {
    url: 'the client_id URL cannot be fetched',
    scheme: 'the client_id URL must use https',
    address: 'the client_id URL resolves to an address this server does not fetch from',
    dns: 'the client_id URL host does not resolve',
    network: 'the client metadata document could not be fetched',
    timeout: `the client metadata document did not arrive within ${CLIENT_METADATA_TIMEOUT_MS} ms`,
    redirect: 'the client_id URL answered with a redirect; redirects are not followed',
    status: 'the client_id URL did not answer 200',
    content_type: 'the client metadata document must be served as application/json',
    too_large: `the client metadata document must be at most ${CLIENT_METADATA_MAX_BYTES} bytes`,
    malformed: 'the client metadata document is not valid JSON',
  };
  return rule[error.code];
}

