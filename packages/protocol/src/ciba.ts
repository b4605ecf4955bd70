/**
 * OpenID Client-Initiated Backchannel Authentication (CIBA Core 1.0) on the wire: the
 * authentication request's answer (§7.3), the ping callback's body (§10.2), and the token
 * delivery modes an agent registers (§4).
 */

/** CIBA Core 1.0 §4 `backchannel_token_delivery_mode` values we support (`push` is not). */
export const CIBA_DELIVERY_MODES = ['poll', 'ping'] as const;
export type CibaDeliveryMode = (typeof CIBA_DELIVERY_MODES)[number];

/** CIBA Core 1.0 §7.3 successful authentication request acknowledgement. */
export interface BackchannelAuthenticationResponse {
  auth_req_id: string;
  /** Seconds until `auth_req_id` expires. */
  expires_in: number;
  /** Seconds the client must wait between token requests (poll mode). */
  interval?: number;
}

/** CIBA Core 1.0 §10.2 ping callback body. */
export interface CibaPingCallback {
  auth_req_id: string;
}

/** CIBA Core 1.0 §4: metadata name of the backchannel authentication endpoint. */
export const BACKCHANNEL_AUTHENTICATION_ENDPOINT = 'backchannel_authentication_endpoint';
