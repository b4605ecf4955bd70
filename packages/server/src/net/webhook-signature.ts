import { createHmac } from 'node:crypto';

/** The header carrying a webhook body's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'x-agentauth-signature';

/**
 * The signature of one webhook body: HMAC-SHA256 under the shared secret over `<t>.<body>`, so a
 * receiver checks both the body and its age (reject old `t` to stop replays). Every webhook the
 * server sends with a shared secret signs this way.
 */
export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}
