import type { Clock } from '../clock.js';
import type { GuardedPost } from '../net/guarded-post.js';
import { SIGNATURE_HEADER, signWebhookBody } from '../net/webhook-signature.js';
import type { OcsfEvent } from './ocsf-event.js';
import type { SiemSink } from './siem-sink.js';

/** The media type of a batch: newline-delimited JSON, one OCSF event a line. */
export const SIEM_BATCH_MEDIA_TYPE = 'application/x-ndjson';

/**
 * The webhook sink: each batch POSTed as JSON lines through the SSRF-guarded client (https; plain
 * http only to loopback when private networks are allowed; redirects refused), signed with
 * HMAC-SHA256 in `X-AgentAuth-Signature` like every webhook the server sends. A 2xx answer is
 * the acknowledgement; anything else fails the batch, which the exporter sends again after a
 * backoff. The URL may hold a credential: it appears in no error.
 */
export class WebhookSink implements SiemSink {
  readonly name = 'webhook' as const;
  readonly #deps: { url: string; secret: string; post: GuardedPost; clock: Clock };

  constructor(deps: { url: string; secret: string; post: GuardedPost; clock: Clock }) {
    this.#deps = deps;
  }

  async send(events: readonly OcsfEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { url, secret, post, clock } = this.#deps;
    const body = events.map((event) => `${JSON.stringify(event)}\n`).join('');
    await post(url, body, SIEM_BATCH_MEDIA_TYPE, { [SIGNATURE_HEADER]: signWebhookBody(secret, body, Math.floor(clock.now() / 1000)) });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
