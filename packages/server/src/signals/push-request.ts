import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SECEVENT_MEDIA_TYPE } from '@agentauth/protocol';
import { isAddressAllowed, isLoopbackAddress } from '../net/address-policy.js';
import { pinnedRequest, type ResolvedAddress } from '../net/guarded-target.js';

export type { ResolvedAddress } from '../net/guarded-target.js';

/** Resolves a host name; injected by tests. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Why a receiver URL is refused (safe to show the receiver: it names only its own URL's faults). */
export class ReceiverUrlError extends Error {
  override readonly name = 'ReceiverUrlError';
}

/** The vetted target of one push: the URL and the one address the socket may connect to. */
export interface VettedReceiver {
  url: URL;
  address: ResolvedAddress;
}

/** The outcome of one RFC 8935 push. */
export type PushOutcome = { ok: true } | { ok: false; retryable: boolean; error: string };

const MAX_URL_LENGTH = 2048;
const MAX_RESPONSE_BYTES = 4096;

export const defaultResolver: Resolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/**
 * The SSRF check of a push receiver URL (OWASP SSRF prevention), with the address policy the
 * federation fetcher uses (`net/address-policy.ts`): https only (plain http only to loopback, and
 * only when private receivers are allowed); no credentials or fragment in the URL; the host is
 * resolved and EVERY address must be allowed: private, loopback, link-local, CGNAT and unique-local
 * addresses only with `allowPrivate` (AGENTAUTH_SIGNALS_ALLOW_PRIVATE_RECEIVERS), reserved ranges
 * never. Returns the address to pin the connection to, so a DNS answer that changes between this
 * check and the connection (rebinding) cannot redirect the push.
 *
 * @throws {ReceiverUrlError}
 */
export async function vetReceiverUrl(rawUrl: string, allowPrivate: boolean, resolve: Resolver = defaultResolver): Promise<VettedReceiver> {
  if (rawUrl.length > MAX_URL_LENGTH) throw new ReceiverUrlError('endpoint_url too long');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ReceiverUrlError('endpoint_url is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ReceiverUrlError('endpoint_url must be https');
  if (url.username !== '' || url.password !== '') throw new ReceiverUrlError('endpoint_url must not carry credentials');
  if (rawUrl.includes('#')) throw new ReceiverUrlError('endpoint_url must not have a fragment');
  if (url.protocol === 'http:' && !allowPrivate) throw new ReceiverUrlError('endpoint_url must be https');
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: ResolvedAddress[];
  const family = isIP(hostname);
  if (family !== 0) {
    addresses = [{ address: hostname, family: family as 4 | 6 }];
  } else {
    try {
      addresses = await resolve(hostname);
    } catch {
      throw new ReceiverUrlError('endpoint_url host does not resolve');
    }
  }
  if (addresses.length === 0) throw new ReceiverUrlError('endpoint_url host has no address');
  for (const { address } of addresses) {
    if (!isAddressAllowed(address, allowPrivate)) throw new ReceiverUrlError('endpoint_url resolves to a private or reserved address');
  }
  if (url.protocol === 'http:' && !(allowPrivate && addresses.every(({ address }) => isLoopbackAddress(address)))) {
    throw new ReceiverUrlError('endpoint_url must be https');
  }
  return { url, address: addresses[0] as ResolvedAddress };
}

/**
 * POSTs one SET to a vetted receiver (RFC 8935 §2): `Content-Type: application/secevent+jwt`,
 * `Accept: application/json`, the receiver's `authorization_header` if it gave one (SSF 1.0
 * §6.1.1). Success is 202 (§2.2); a 400 with an `err` (§2.3) is the receiver refusing this SET and
 * is not retried; network errors, timeouts, 408, 429 and 5xx are retried by the caller. Redirects
 * are not followed. The response body is read only up to 4 KiB, for the `err` code.
 */
export function postSecurityEventToken(target: VettedReceiver, set: string, authorization: string | null, timeoutMs: number): Promise<PushOutcome> {
  const { url, address } = target;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PushOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const body = Buffer.from(set, 'latin1');
    const headers: Record<string, string | number> = {
      'content-type': SECEVENT_MEDIA_TYPE,
      accept: 'application/json',
      'content-length': body.length,
      'user-agent': 'agentauth',
    };
    if (authorization !== null) headers.authorization = authorization;
    // Pinned: the socket connects to the address that was vetted, nothing else.
    const request = pinnedRequest(url, address, 'POST', headers);
    const timer = setTimeout(() => finish({ ok: false, retryable: true, error: `timeout after ${timeoutMs} ms` }), timeoutMs);
    request.on('error', (error) => finish({ ok: false, retryable: true, error: `network: ${(error as NodeJS.ErrnoException).code ?? 'connection failed'}` }));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status === 202) return finish({ ok: true });
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
      });
      response.on('error', () => finish({ ok: false, retryable: true, error: `status ${status}` }));
      response.on('end', () => {
        const retryable = status === 408 || status === 429 || status >= 500;
        finish({ ok: false, retryable, error: `status ${status}${status === 400 ? errCode(Buffer.concat(chunks)) : ''}` });
      });
    });
    request.end(body);
  });
}

/** RFC 8935 §2.3 `err` of a 400 answer, if it is a short token (never echo arbitrary receiver text). */
function errCode(body: Buffer): string {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    const err = typeof parsed === 'object' && parsed !== null ? (parsed as { err?: unknown }).err : undefined;
    return typeof err === 'string' && /^[a-z_]{1,64}$/.test(err) ? `: ${err}` : '';
  } catch {
    return '';
  }
}
