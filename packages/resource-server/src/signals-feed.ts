import { DELIVERY_METHOD_POLL, SCOPE_SIGNALS, SSF_CONFIGURATION_PATH } from '@agentauth/protocol';
import { isAllowedUrl } from './issuer-metadata.js';
import { IssuerKeys } from './issuer-keys.js';
import { fetchJson, FetchJsonError, fetchJsonValue } from './lib/fetch-json.js';
import { RevocationState, type RevocableToken, type RevocationSource } from './revocation-state.js';
import { readSecurityEvent, SetError, type RevocationInstruction } from './security-event.js';
import { checkServiceCredentials, type ServiceCredentials } from './service-credentials.js';
import { ServiceToken } from './service-token.js';
import { VerificationError } from './verification-error.js';

/** Where a feed keeps its state across restarts (see `fileFeedPersistence` in `@agentauth/resource-server/node`). */
export interface FeedPersistence {
  load(): Promise<unknown>;
  save(state: FeedState): Promise<void>;
}

/** What a feed persists: its stream, and the revocations it has applied. */
export interface FeedState {
  version: 1;
  streamId: string | undefined;
  revocations: ReturnType<RevocationState['snapshot']>;
}

/** Options of {@link createSignalsFeed}. */
export interface SignalsFeedOptions {
  issuer: string;
  /** This service's client credentials; its agent needs the scope `agentauth:signals` for `resource` = the issuer. */
  credentials: ServiceCredentials;
  /**
   * Fail closed when nothing was heard from the transmitter for this long, ms. Must exceed the
   * transmitter's long-poll hold (30 s for agentauth). Default 120 000.
   */
  maxStalenessMs?: number;
  /** Client-side bound on one long poll, ms. Default 45 000. */
  pollTimeoutMs?: number;
  /** RFC 8936 §2.1 `maxEvents` per poll. Default 100. */
  maxEvents?: number;
  /** Keeps the stream and the applied revocations across restarts. Strongly recommended. */
  persistence?: FeedPersistence;
  /**
   * A stable name this service chooses for its stream (1 to 64 of `A-Z a-z 0-9 . _ -`), kept in
   * the stream's `description`. Without `persistence`, `start()` takes back the receiver's stream
   * of this name instead of making one, so a restarted service polls the stream it had.
   */
  streamName?: string;
  /** Timeout of the other requests (discovery, token, stream management), ms. Default 5 000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Hears failures (network, refused SETs) for the operator's log; never carries a token. */
  onError?: (error: unknown) => void;
}

/** The subscription, usable as the `revocation` of `createResourceServer`. */
export interface SignalsFeed extends RevocationSource {
  /** Discovers the transmitter, finds or creates the stream, applies the backlog, then keeps long-polling. */
  start(): Promise<void>;
  /**
   * Stops polling. `deleteStream` also removes the stream at the transmitter (SSF 1.0 §8.1.1.5).
   * It defaults to true for an ephemeral stream (no `persistence` and no `streamName`, so nothing
   * could find the stream again) and to false otherwise (a restart takes the stream back).
   */
  close(options?: { deleteStream?: boolean }): Promise<void>;
  readonly revocations: RevocationState;
  status(): { streamId: string | undefined; lastContactAt: number | undefined; fresh: boolean };
}

const BACKOFF_MIN_MS = 250;
const STREAM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const DESCRIPTION = 'agentauth resource-server SDK';
const BACKOFF_MAX_MS = 10_000;

/**
 * Subscribes to the server's revocation signals: OpenID Shared Signals Framework 1.0 with CAEP 1.0
 * events, delivered by RFC 8936 polling with long polls (`returnImmediately: false`), so a
 * revocation reaches this service within one round trip.
 *
 * - Discovery: SSF 1.0 §7 `/.well-known/ssf-configuration`, `issuer` compared exactly, poll delivery
 *   (`urn:ietf:rfc:8936`) required; stream management (§8.1.1) with an access token carrying
 *   `agentauth:signals`.
 * - Each SET is verified (see `readSecurityEvent`) and applied: `session-revoked` about a `jwt_id`
 *   revokes that `jti`; about an `iss_sub` agent, every token of the agent issued before
 *   `event_timestamp`; `credential-change` revoking an x509 credential, the agent's older
 *   certificate-bound tokens. Invalid SETs are reported in `setErrs` (RFC 8936 §2.4.4).
 * - Acknowledgement (RFC 8936 §2.4.2) only after applying and persisting, so a crash redelivers.
 * - Restarts: with `persistence`, the stream id and the applied revocations are reloaded and the
 *   same stream is polled, so what the transmitter queued meanwhile is delivered. With
 *   `streamName`, the receiver's stream of that name is taken back. With neither, a new stream is
 *   made (and deleted by `close()`), and revocations from before it are unknown.
 * - Refusals: `start()` rejects with a `FetchJsonError` carrying the server's `error` and
 *   `error_description` (a receiver past its stream limit is answered 403 `forbidden`).
 * - Reconnects: network failures and 5xx back off (250 ms doubling to 10 s); a 401 fetches a new
 *   access token; a 404 (stream gone) creates a new stream.
 * - Fail closed: `isRevoked` throws `ERR_REVOCATION_UNAVAILABLE` (a 503) until the first poll
 *   succeeds and whenever nothing was heard for `maxStalenessMs`.
 */
export function createSignalsFeed(options: SignalsFeedOptions): SignalsFeed {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (!isAllowedUrl(options.issuer)) throw new TypeError('issuer must be an https URL (http only on loopback)');
  checkServiceCredentials(options.credentials, 'credentials');
  const { issuer, credentials } = options;
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxStalenessMs = options.maxStalenessMs ?? 120_000;
  const pollTimeoutMs = options.pollTimeoutMs ?? 45_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxEvents = options.maxEvents ?? 100;
  if (!(maxStalenessMs > 0) || !(pollTimeoutMs > 0) || !(timeoutMs > 0) || !Number.isInteger(maxEvents) || maxEvents < 1) throw new TypeError('timeouts and maxEvents must be positive');
  const { streamName } = options;
  if (streamName !== undefined && (typeof streamName !== 'string' || !STREAM_NAME.test(streamName))) throw new TypeError('streamName must be 1 to 64 of A-Z a-z 0-9 . _ -');
  const description = streamName === undefined ? DESCRIPTION : `${DESCRIPTION}: ${streamName}`;
  const ephemeral = options.persistence === undefined && streamName === undefined;
  const report = (error: unknown) => options.onError?.(error);

  const keys = new IssuerKeys({ issuer, fetch: fetchImpl, now, timeoutMs, onError: report });
  const revocations = new RevocationState({ now });
  const token = new ServiceToken({ issuer, credentials, scope: SCOPE_SIGNALS, keys, fetch: fetchImpl, now, timeoutMs });
  const stop = new AbortController();
  let streamId: string | undefined;
  let pollUrl: string | undefined;
  let configurationEndpoint: string | undefined;
  let lastContactAt: number | undefined;
  let pendingAcks: string[] = [];
  let pendingErrors: Record<string, { err: string; description: string }> = {};
  let loop: Promise<void> | undefined;

  const authorized = async (): Promise<Record<string, string>> => ({ authorization: `Bearer ${await token.get()}`, 'content-type': 'application/json' });

  async function discover(): Promise<void> {
    const url = new URL(issuer);
    const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    const { body } = await fetchJson(`${url.origin}${SSF_CONFIGURATION_PATH}${path}`, { fetch: fetchImpl, timeoutMs, signal: stop.signal });
    if (body.issuer !== issuer) throw new Error('SSF configuration issuer does not match (SSF 1.0 §7.2)');
    if (!isAllowedUrl(body.configuration_endpoint)) throw new Error('SSF configuration has no https configuration_endpoint');
    if (!Array.isArray(body.delivery_methods_supported) || !body.delivery_methods_supported.includes(DELIVERY_METHOD_POLL)) throw new Error('the transmitter does not offer poll delivery (RFC 8936)');
    configurationEndpoint = body.configuration_endpoint;
  }

  function usePoll(config: Record<string, unknown>): void {
    const delivery = config.delivery as { method?: unknown; endpoint_url?: unknown } | undefined;
    if (typeof config.stream_id !== 'string' || delivery?.method !== DELIVERY_METHOD_POLL || !isAllowedUrl(delivery.endpoint_url)) {
      throw new Error('the stream is not a poll stream with an https endpoint_url');
    }
    streamId = config.stream_id;
    pollUrl = delivery.endpoint_url;
  }

  /** The receiver's poll stream named `streamName`, from the list of its streams (SSF 1.0 §8.1.1.2). */
  async function findNamedStream(endpoint: string): Promise<Record<string, unknown> | undefined> {
    const { body } = await fetchJsonValue(endpoint, { fetch: fetchImpl, timeoutMs, headers: await authorized(), signal: stop.signal });
    if (!Array.isArray(body)) throw new Error('the stream list is not an array (SSF 1.0 section 8.1.1.2)');
    return (body as unknown[]).find(
      (config): config is Record<string, unknown> =>
        typeof config === 'object' && config !== null && (config as Record<string, unknown>).description === description && ((config as { delivery?: { method?: unknown } }).delivery?.method === DELIVERY_METHOD_POLL),
    );
  }

  /** Reuses the persisted or named stream if the transmitter still has it; otherwise creates one (SSF 1.0 §8.1.1.1). */
  async function ensureStream(): Promise<void> {
    const endpoint = configurationEndpoint as string;
    if (streamId === undefined && streamName !== undefined) {
      const named = await findNamedStream(endpoint);
      if (named !== undefined) {
        usePoll(named);
        await persist();
        return;
      }
    }
    if (streamId !== undefined) {
      try {
        const { body } = await fetchJson(`${endpoint}?stream_id=${encodeURIComponent(streamId)}`, { fetch: fetchImpl, timeoutMs, headers: await authorized(), signal: stop.signal });
        usePoll(body);
        return;
      } catch (error) {
        if (!(error instanceof FetchJsonError && error.status === 404)) throw error;
      }
    }
    const { body } = await fetchJson(endpoint, {
      fetch: fetchImpl,
      timeoutMs,
      method: 'POST',
      headers: await authorized(),
      body: JSON.stringify({ delivery: { method: DELIVERY_METHOD_POLL }, description }),
      okStatuses: [200, 201],
      signal: stop.signal,
    });
    usePoll(body);
    pendingAcks = [];
    pendingErrors = {};
    await persist();
  }

  async function persist(): Promise<void> {
    await options.persistence?.save({ version: 1, streamId, revocations: revocations.snapshot() });
  }

  function apply(instruction: RevocationInstruction): void {
    if (instruction.kind === 'token') revocations.revokeToken(instruction.jti);
    else if (instruction.kind === 'agent') revocations.revokeAgent(instruction.agentId, instruction.before);
    else if (instruction.kind === 'agent_certificates') revocations.revokeAgentCertificates(instruction.agentId, instruction.before);
  }

  /** One RFC 8936 §2 poll: acknowledges what was applied, applies what arrives. Returns `moreAvailable`. */
  async function pollOnce(returnImmediately: boolean): Promise<boolean> {
    const body: Record<string, unknown> = { maxEvents, returnImmediately, ack: pendingAcks };
    if (Object.keys(pendingErrors).length > 0) body.setErrs = pendingErrors;
    const { body: answer } = await fetchJson(pollUrl as string, {
      fetch: fetchImpl,
      timeoutMs: returnImmediately ? timeoutMs : pollTimeoutMs,
      method: 'POST',
      headers: await authorized(),
      body: JSON.stringify(body),
      signal: stop.signal,
    });
    lastContactAt = now();
    pendingAcks = [];
    pendingErrors = {};
    const sets = answer.sets;
    if (typeof sets !== 'object' || sets === null || Array.isArray(sets)) throw new Error('poll response has no "sets" object (RFC 8936 §2.2)');
    const algorithms = (await keys.metadata()).accessTokenAlgorithms;
    const audience = credentials.clientId;
    let changed = false;
    for (const [jti, set] of Object.entries(sets as Record<string, unknown>)) {
      try {
        const instruction = await readSecurityEvent(set as string, { issuer, audience, keys, algorithms });
        apply(instruction);
        changed ||= instruction.kind !== 'none';
        pendingAcks.push(jti);
      } catch (error) {
        if (!(error instanceof SetError)) throw error;
        report(error);
        pendingErrors[jti] = { err: error.code, description: error.description };
      }
    }
    if (changed) await persist();
    return answer.moreAvailable === true;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      stop.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });

  /** Handles one failure; returns how long to wait before the next attempt. */
  async function recover(error: unknown, backoff: number): Promise<number> {
    if (error instanceof FetchJsonError && error.status === 401) {
      token.clear();
      return 0;
    }
    if (error instanceof FetchJsonError && error.status === 404) {
      streamId = undefined;
      await ensureStream();
      return 0;
    }
    report(error);
    return backoff;
  }

  async function run(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    let more = false;
    while (!stop.signal.aborted) {
      try {
        if (pollUrl === undefined) {
          await discover();
          await ensureStream();
        }
        more = await pollOnce(more);
        backoff = BACKOFF_MIN_MS;
      } catch (error) {
        if (stop.signal.aborted) return;
        let wait: number;
        try {
          wait = await recover(error, backoff);
        } catch (again) {
          report(again);
          wait = backoff;
        }
        if (wait > 0) {
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
          await sleep(wait);
        }
      }
    }
  }

  /** SSF 1.0 §8.1.1.5, with no body (so no `content-type`); a failure is reported, and the transmitter's idle expiry removes the stream later. */
  async function deleteStream(): Promise<void> {
    if (streamId === undefined || configurationEndpoint === undefined) return;
    try {
      await fetchJson(`${configurationEndpoint}?stream_id=${encodeURIComponent(streamId)}`, { fetch: fetchImpl, timeoutMs, method: 'DELETE', headers: { authorization: (await authorized()).authorization as string }, okStatuses: [200, 204] });
      streamId = undefined;
      pollUrl = undefined;
    } catch (error) {
      report(error);
    }
  }

  const fresh = () => lastContactAt !== undefined && now() - lastContactAt <= maxStalenessMs;

  return {
    revocations,
    async start() {
      if (loop !== undefined) throw new TypeError('the feed is already started');
      const saved = (await options.persistence?.load()) as Partial<FeedState> | undefined;
      if (saved?.version === 1) {
        if (typeof saved.streamId === 'string') streamId = saved.streamId;
        revocations.restore(saved.revocations);
      }
      try {
        await discover();
        await ensureStream();
        // The backlog first, so the service starts with what was queued while it was away.
        while (await pollOnce(true)) {
          /* more available */
        }
      } catch (error) {
        // An ephemeral stream made by a start that failed would be found by nothing: not left behind.
        if (ephemeral) await deleteStream();
        throw error;
      }
      loop = run();
    },
    async close(closeOptions = {}) {
      stop.abort();
      await loop?.catch(() => undefined);
      if (closeOptions.deleteStream ?? ephemeral) await deleteStream();
    },
    isRevoked(claims: RevocableToken) {
      if (!fresh()) throw new VerificationError('ERR_REVOCATION_UNAVAILABLE');
      return revocations.isRevoked(claims);
    },
    status: () => ({ streamId, lastContactAt, fresh: fresh() }),
  };
}
