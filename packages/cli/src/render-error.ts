import { OAuthClientError, UnexpectedResponseError } from '@agentauth/client';

import { AdminApiError } from './admin-api-error.js';
import { CommandFailedError, EXIT_FAILED, EXIT_UNREACHABLE, EXIT_USAGE, ServerUnreachableError, UsageError } from './cli-errors.js';
import { sanitizeLines } from './output.js';
import { KeyFileError } from './key-import-files.js';
import { locatedProblems, PolicySourceError, problemLine, type LocatedProblem } from './policy-files.js';

/**
 * What the CLI says about an error, before it is printed as text or JSON (docs/cli.md, "Errors").
 * `code` is stable: a usage error is `usage`, an admin API problem keeps its problem code, an OAuth
 * refusal its RFC 6749 `error`, a connection failure names its kind.
 */
export interface ErrorReport {
  code: string;
  /** May run over several lines; server text in it has its control characters escaped. */
  message: string;
  /** The HTTP status of the answer that refused, or null when there was none. */
  status: number | null;
  exitCode: number;
  /** What to do about it, when the CLI can tell. */
  hint?: string;
  /** The command whose help to point to (usage errors). */
  usage?: string;
  /** A refused policy or key import file's problems, each located in the file. */
  problems?: LocatedProblem[];
}

/**
 * Turns any error into what is reported: only error fields are shown (server texts escaped of
 * control characters but their line breaks), never a request, so the admin token and key material
 * cannot appear.
 */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof UsageError) {
    return { code: 'usage', message: sanitizeLines(error.message), status: null, exitCode: EXIT_USAGE, usage: error.command === undefined ? 'agentauth --help' : `agentauth ${error.command} --help` };
  }
  if (error instanceof ServerUnreachableError) {
    return { code: error.kind, message: sanitizeLines(error.message), status: null, exitCode: EXIT_UNREACHABLE, hint: unreachableHint(error) };
  }
  if (error instanceof PolicySourceError) return { ...describeError(error.refusal), problems: locatedProblems(error) };
  if (error instanceof KeyFileError) {
    if (error.refusal !== undefined) return { ...describeError(error.refusal), problems: error.problems };
    return { code: 'usage', message: sanitizeLines(error.message), status: null, exitCode: EXIT_USAGE, problems: error.problems };
  }
  if (error instanceof AdminApiError) {
    const detail = error.detail === undefined ? '' : `: ${error.detail}`;
    const report: ErrorReport = { code: error.code, message: sanitizeLines(`${error.title} (${error.code})${detail}`), status: error.status, exitCode: EXIT_FAILED };
    if (error.status === 401) report.hint = 'check AGENTAUTH_ADMIN_TOKEN (or --token).';
    else if (error.code === 'rotation_too_soon') report.hint = 'pass --force to rotate now (tokens signed by the old key may fail where the new key is not yet known).';
    return report;
  }
  if (error instanceof OAuthClientError) {
    const description = error.error_description === undefined ? '' : `: ${error.error_description}`;
    return { code: error.error, message: sanitizeLines(`token request refused: ${error.error}${description} (HTTP ${error.status})`), status: error.status, exitCode: EXIT_FAILED };
  }
  if (error instanceof UnexpectedResponseError) {
    return { code: 'unexpected_response', message: sanitizeLines(`unexpected answer from the server: ${error.message}`), status: error.status ?? null, exitCode: EXIT_FAILED };
  }
  if (error instanceof CommandFailedError) {
    return { code: error.code, message: sanitizeLines(error.message), status: null, exitCode: EXIT_FAILED };
  }
  if (error instanceof TypeError) {
    // Misuse caught by an SDK from a value the user gave (an id, a key file's contents).
    return { code: 'usage', message: sanitizeLines(error.message), status: null, exitCode: EXIT_USAGE };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'failed', message: sanitizeLines(message), status: null, exitCode: EXIT_FAILED };
}

function unreachableHint(error: ServerUnreachableError): string {
  switch (error.kind) {
    case 'connection_refused':
      return "is the server running? Start it with 'agentauth start', or point AGENTAUTH_URL (or --url) at it.";
    case 'dns_failure':
      return 'check the host name in --url (or AGENTAUTH_URL).';
    case 'tls_verification_failed':
      if (error.reason === 'ERR_TLS_CERT_ALTNAME_INVALID' || error.reason === 'HOSTNAME_MISMATCH') {
        return "the server's certificate does not name this host: use the host name it was issued for in the URL.";
      }
      if (error.reason === 'CERT_HAS_EXPIRED' || error.reason === 'CERT_NOT_YET_VALID') {
        return "the server's certificate is outside its validity period: renew it, or check this machine's clock.";
      }
      return "the server's certificate is not signed by a CA this machine trusts. If it comes from a private CA (agentauth's own, for the mutual-TLS listener: <issuer>/ca/v1/bundle.pem, or bundle.pem from 'agentauth certs issue'), pass --cacert FILE (or set AGENTAUTH_CACERT).";
    case 'tls_failed':
      return 'the TLS handshake failed before any certificate was judged: check that the URL is the https listener, and the client certificate (--cert, --cert-key) if the server asks for one.';
    default:
      return 'check the URL and the network between here and the server.';
  }
}

/**
 * The error as printed on stderr, and the exit status. Text: `error: <message>` (further lines
 * indented), then `hint:` and the usage pointer. `json`: one line,
 * `{"error":{"code","message","status","exit_code"[,"hint"][,"problems"]}}` (docs/cli.md). A refused
 * policy file's problems come first in text, one `FILE:LINE:COLUMN: message` a line.
 */
export function renderError(error: unknown, json = false): { text: string; exitCode: number } {
  const report = describeError(error);
  if (json) {
    const body = { code: report.code, message: report.message, status: report.status, exit_code: report.exitCode, ...(report.hint === undefined ? {} : { hint: report.hint }), ...(report.problems === undefined ? {} : { problems: report.problems }) };
    return { text: `${JSON.stringify({ error: body })}\n`, exitCode: report.exitCode };
  }
  // A compiler's form, one problem a line, so editors and terminals can jump to each place.
  let text = (report.problems ?? []).map((problem) => `${problemLine(problem)}\n`).join('');
  text += `error: ${report.message.replaceAll('\n', '\n  ')}\n`;
  if (report.hint !== undefined) text += `hint: ${report.hint}\n`;
  if (report.usage !== undefined) text += `run '${report.usage}' for usage\n`;
  return { text, exitCode: report.exitCode };
}
