/**
 * Where an agent in CIBA ping mode (OpenID CIBA Core 1.0 §10.2) hears that a person answered:
 * route the agent's registered `backchannel_client_notification_endpoint` to {@link PingReceiver.handle}
 * (a Web `Request` in, a `Response` out, for any framework), and pass the receiver to
 * `Agent.requestApproval({ ping })`.
 */
export interface PingReceiver {
  /** The `client_notification_token` sent with each request (256 random bits); the server's callback must bear it. */
  readonly notificationToken: string;
  /** Resolves once a callback for `authReqId` arrived (also when it arrived before the call). */
  wait(authReqId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Handles one callback: `POST` with `Authorization: Bearer <notificationToken>` (compared in
   * constant time) and a JSON body `{"auth_req_id": "..."}`. Answers 204, or 401 / 400 / 405
   * without saying more. A callback only wakes the waiter; the token is then asked for at the
   * token endpoint, so a forged callback gains nothing.
   */
  handle(request: Request): Promise<Response>;
}

/** Longest callback body read. */
const MAX_BODY = 4096;

/** A {@link PingReceiver} with a fresh notification token. */
export function createPingReceiver(): PingReceiver {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const notificationToken = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const arrived = new Set<string>();
  const waiters = new Map<string, () => void>();
  const expected = new TextEncoder().encode(`Bearer ${notificationToken}`);
  return {
    notificationToken,
    wait(authReqId, signal) {
      if (arrived.delete(authReqId)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          waiters.delete(authReqId);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.set(authReqId, () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },
    async handle(request) {
      if (request.method !== 'POST') return new Response(null, { status: 405 });
      if (!constantTimeEqual(new TextEncoder().encode(request.headers.get('authorization') ?? ''), expected)) return new Response(null, { status: 401 });
      const text = await request.text();
      let id: unknown;
      try {
        id = text.length <= MAX_BODY ? (JSON.parse(text) as { auth_req_id?: unknown }).auth_req_id : undefined;
      } catch {
        id = undefined;
      }
      if (typeof id !== 'string' || id === '') return new Response(null, { status: 400 });
      const waiter = waiters.get(id);
      if (waiter !== undefined) {
        waiters.delete(id);
        waiter();
      } else if (arrived.size < 1000) {
        arrived.add(id);
      }
      return new Response(null, { status: 204 });
    },
  };
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ (b[i] as number);
  return diff === 0;
}
