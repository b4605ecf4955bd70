import type { VerificationError } from '../verification-error.js';

/**
 * Hears every refusal an adapter answers (401, 403, 503), with the framework's request, so a
 * service can tell `ERR_TOKEN_EXPIRED` from `ERR_TOKEN_AUDIENCE` in its own logs or metrics: the
 * client only ever sees the fixed RFC 6750 text. The error's `code`, `message` and `status` never
 * contain the token, the proof or a claim; its `cause` is for the operator, and the request's own
 * headers still carry the credential, so log them at your own risk. Called before the answer is
 * written; what the hook throws is ignored, so a broken hook never turns a refusal into a 500.
 */
export type OnRefused<Req> = (error: VerificationError, request: Req) => void;

interface MaybeProcess {
  process?: { env?: Record<string, string | undefined> };
}

/**
 * Whether `NODE_DEBUG` names `agentauth` (or `*`), the switch Node's `util.debuglog` reads; read
 * without `node:util` so the fetch and hono adapters run on any runtime.
 */
function debugEnabled(): boolean {
  const value = (globalThis as MaybeProcess).process?.env?.NODE_DEBUG ?? '';
  return value.split(/[\s,]+/).some((name) => name === '*' || name.toLowerCase() === 'agentauth');
}

/**
 * The default hook of the adapters without a framework logger: silent, as a library should be,
 * unless `NODE_DEBUG=agentauth`; then one `console.debug` line with the code and status.
 */
export function debugRefusal(error: VerificationError): void {
  if (debugEnabled()) console.debug(`agentauth: request refused: ${error.code} (${error.status})`);
}

/** Tells the hook; see {@link OnRefused} for why its failures are swallowed. */
export function reportRefusal<Req>(hook: OnRefused<Req>, error: unknown, request: Req): void {
  try {
    hook(error as VerificationError, request);
  } catch {
    // Observation only: the refusal is answered whatever the hook does.
  }
}
