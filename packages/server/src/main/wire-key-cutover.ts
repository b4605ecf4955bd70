import type { Logger } from 'pino';
import { RetryingDelivery } from '../approvals/retrying-delivery.js';
import { SIGNATURE_HEADER, signWebhookBody } from '../net/webhook-signature.js';
import type { CommitLog } from '../audit/commit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { cutoverWebhook } from '../key-cutover/cutover-webhook.js';
import { KeyCutoverGate } from '../key-cutover/key-cutover-gate.js';
import { KeyCutoverService } from '../key-cutover/key-cutover-service.js';
import { createGuardedPost } from '../net/guarded-post.js';
import type { Random } from '../random.js';
import { cutoverSignal } from '../signals/cutover-signal.js';
import type { SignalsTransmitter } from '../signals/transmitter.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/** The staged cut-over of keys (docs/migration.md, "Cutting keys off"), as the other parts take it. */
export interface KeyCutover {
  /** The check at every door a key comes through. */
  gate: KeyCutoverGate;
  /** The admin API's side: set, clear and list rules. */
  service: KeyCutoverService;
  /** Webhook posts in flight, when a webhook is configured (tests wait for them). */
  delivery: RetryingDelivery | undefined;
  /** Sends each notice as a CAEP event on the subscribed streams: called once the transmitter exists. */
  transmitWith(transmitter: Pick<SignalsTransmitter, 'publishSignal'>): void;
}

/**
 * The cut-over: the gate, the rules' service, and the owner's webhook when configured (signed as
 * the approval webhook is, over its own SSRF-guarded, retrying delivery, stopped at shutdown).
 */
export function wireKeyCutover(deps: { config: Config; clock: Clock; random: Random; logger: Logger; store: Store; commitLog: CommitLog; lifecycle: Lifecycle }): KeyCutover {
  const { config, clock, random, logger, store, commitLog } = deps;
  const gate = new KeyCutoverGate({ store, audit: commitLog, logger });
  const url = config.keyCutoverWebhook;
  const secret = config.keyCutoverWebhookSecret;
  let delivery: RetryingDelivery | undefined;
  if (url !== undefined) {
    if (secret === undefined) throw new TypeError('AGENTAUTH_KEY_CUTOVER_WEBHOOK needs AGENTAUTH_KEY_CUTOVER_WEBHOOK_SECRET: its posts are signed (docs/migration.md)');
    const webhookDelivery = new RetryingDelivery(createGuardedPost({ allowPrivateNetworks: config.keyCutoverAllowPrivateWebhook }));
    delivery = webhookDelivery;
    deps.lifecycle.onClose('key cut-over webhook', () => webhookDelivery.close());
    gate.onNotice(
      cutoverWebhook({ url, sign: (body, t) => [SIGNATURE_HEADER, signWebhookBody(secret, body, t)], delivery: webhookDelivery, agents: store, audit: commitLog, clock, random, logger }),
    );
  }
  return {
    gate,
    service: new KeyCutoverService({ clock, random, store }),
    delivery,
    transmitWith: (transmitter) => gate.onNotice((notice) => transmitter.publishSignal(cutoverSignal(config.issuer, notice))),
  };
}
