import { decodeJwt } from 'jose';
import type { HttpAgent } from '../../../../cli/test/helpers/http-agent.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** One answer of `POST /token` to the load: its status, and what a fault test checks of it. */
export interface TokenAnswer {
  status: number;
  /** The JSON `error` of a refusal. */
  error?: string;
  retryAfter?: string | null;
  /** The token and its `jti`, for a 200. */
  token?: string;
  jti?: string;
}

/** `POST /token` (client_credentials, private_key_jwt) for `agent`, as a client sends it. */
export async function requestToken(url: string, agent: HttpAgent): Promise<TokenAnswer> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await agent.assertion() });
  const response = await fetch(`${url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const json = (await response.json()) as { access_token?: string; error?: string };
  if (response.status === 200 && json.access_token !== undefined) {
    return { status: 200, token: json.access_token, jti: decodeJwt(json.access_token).jti as string };
  }
  return { status: response.status, ...(json.error === undefined ? {} : { error: json.error }), retryAfter: response.headers.get('retry-after') };
}

/**
 * Token requests from `concurrency` clients, each sending its next request as soon as the last one
 * is answered, until `stop()`. Every answer is kept; a request the server did not answer at all
 * (the connection refused or reset) is kept as status 0, since a fault test asserts there is none.
 */
export function startTokenLoad(url: string, agent: HttpAgent, concurrency: number) {
  const answers: TokenAnswer[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      try {
        answers.push(await requestToken(url, agent));
      } catch (error) {
        answers.push({ status: 0, error: error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error) });
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    answers,
    /** How many answers had `status` so far. */
    count: (status: number) => answers.reduce((n, answer) => n + (answer.status === status ? 1 : 0), 0),
    async stop(): Promise<TokenAnswer[]> {
      running = false;
      await Promise.all(clients);
      return answers;
    },
  };
}

/** RFC 7662 introspection of `token` by the agent it was issued to: whether it is active. */
export async function introspectsActive(url: string, agent: HttpAgent, token: string): Promise<boolean> {
  const body = new URLSearchParams({ token, client_assertion_type: ASSERTION_TYPE, client_assertion: await agent.assertion() });
  const response = await fetch(`${url}/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { active: boolean }).active;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}
