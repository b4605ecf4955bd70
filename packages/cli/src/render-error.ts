import { OAuthClientError, UnexpectedResponseError } from '@agentauth/client';

import { AdminApiError } from './admin-client.js';
import { EXIT_FAILED, EXIT_UNREACHABLE, EXIT_USAGE, ServerUnreachableError, UsageError } from './cli-errors.js';
import { sanitize } from './output.js';

/**
 * Turns any error into the lines printed on stderr and the exit status (docs/cli.md). Only error
 * fields are shown (server texts escaped of control characters), never a request, so the admin
 * token and key material cannot appear.
 */
export function renderError(error: unknown): { text: string; exitCode: number } {
  if (error instanceof UsageError) {
    const help = error.command === undefined ? 'agentauth --help' : `agentauth ${error.command} --help`;
    return { text: `error: ${sanitize(error.message)}\nrun '${help}' for usage\n`, exitCode: EXIT_USAGE };
  }
  if (error instanceof ServerUnreachableError) {
    return {
      text:
        `error: ${sanitize(error.message)}\n` +
        "hint: is the server running? Start it with 'agentauth start', or point AGENTAUTH_URL (or --url) at it.\n",
      exitCode: EXIT_UNREACHABLE,
    };
  }
  if (error instanceof AdminApiError) {
    const detail = error.detail === undefined ? '' : `: ${error.detail}`;
    let text = `error: ${sanitize(`${error.title} (${error.code})${detail}`)}\n`;
    if (error.status === 401) text += 'hint: check AGENTAUTH_ADMIN_TOKEN (or --token).\n';
    else if (error.code === 'rotation_too_soon') text += 'hint: pass --force to rotate now (tokens signed by the old key may fail where the new key is not yet known).\n';
    return { text, exitCode: EXIT_FAILED };
  }
  if (error instanceof OAuthClientError) {
    const description = error.error_description === undefined ? '' : `: ${error.error_description}`;
    return { text: `error: token request refused: ${sanitize(`${error.error}${description}`)} (HTTP ${error.status})\n`, exitCode: EXIT_FAILED };
  }
  if (error instanceof UnexpectedResponseError) {
    return { text: `error: unexpected answer from the server: ${sanitize(error.message)}\n`, exitCode: EXIT_FAILED };
  }
  if (error instanceof TypeError) {
    // Misuse caught by an SDK from a value the user gave (an id, a key file's contents).
    return { text: `error: ${sanitize(error.message)}\n`, exitCode: EXIT_USAGE };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `error: ${sanitize(message)}\n`, exitCode: EXIT_FAILED };
}
