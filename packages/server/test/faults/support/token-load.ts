import { requestToken, type Acknowledged, type LoadAgent } from './load-driver.js';

/** One answer of `POST /token` that was not a token: what a storage fault test checks of it. */
export interface Refusal {
  /** 0 when the server did not answer at all (connection refused or reset). */
  status: number;
  /** The node that answered (or failed to). */
  node: string;
  /** The JSON `error`, or the transport's message. */
  error?: string;
  retryAfter?: string | null;
}

/** A closed-loop token load and what it has seen so far. */
export interface TokenLoad {
  /** Answers with `status` so far (200: tokens, recorded as acknowledged), from `node` or from all. */
  count(status: number, node?: string): number;
  /** Every answer that was not a token. */
  refusals: Refusal[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/**
 * Token requests from `concurrency` clients, each sending its next request as soon as the last one
 * is answered (as much load as the server takes, unlike `startLoad`'s steady rate), until `stop()`.
 * Every token received goes into `acknowledged`, for `reconcile`; every other answer is kept with
 * its status, `error` and `Retry-After`, since a storage fault test asserts what they were.
 * `url` is the issuer; client `i` sends to `nodes[i % nodes.length]` (by default the issuer itself).
 */
export function startTokenLoad(url: string, agent: LoadAgent, concurrency: number, acknowledged: Acknowledged, nodes: readonly string[] = [url]): TokenLoad {
  const counts = new Map<string, number>();
  const refusals: Refusal[] = [];
  let running = true;
  const seen = (node: string, status: number) => {
    for (const key of [`${status}`, `${status} ${node}`]) counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const client = async (index: number) => {
    const node = nodes[index % nodes.length] as string;
    while (running) {
      let response: Response;
      try {
        response = await requestToken(node, agent, url);
      } catch (error) {
        seen(node, 0);
        refusals.push({ status: 0, node, error: error instanceof Error ? error.message : String(error) });
        continue;
      }
      const body = (await response.json()) as { access_token?: string; error?: string };
      if (response.status === 200 && body.access_token !== undefined) {
        const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti: string };
        acknowledged.tokens.push({ accessToken: body.access_token, jti: payload.jti, agent });
      } else {
        refusals.push({ status: response.status, node, ...(body.error === undefined ? {} : { error: body.error }), retryAfter: response.headers.get('retry-after') });
      }
      seen(node, response.status);
    }
  };
  const clients = Array.from({ length: concurrency }, (_, index) => client(index));
  return {
    count: (status, node) => counts.get(node === undefined ? `${status}` : `${status} ${node}`) ?? 0,
    refusals,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}
