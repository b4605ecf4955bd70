import { OAuthClientError, UnexpectedResponseError } from '@agentauth/client';
import { describe, expect, it } from 'vitest';

import { AdminApiError } from '../src/admin-api-error.js';
import { ServerUnreachableError, UsageError } from '../src/cli-errors.js';
import { renderError } from '../src/render-error.js';

describe('renderError', () => {
  it('shows problem JSON as "error: <title> (<code>): <detail>" with exit 1', () => {
    expect(renderError(new AdminApiError(409, 'agent_exists', 'Agent already exists', 'an agent named invoice-bot exists'))).toEqual({
      text: 'error: Agent already exists (agent_exists): an agent named invoice-bot exists\n',
      exitCode: 1,
    });
  });

  it('adds a token hint to 401', () => {
    const { text } = renderError(new AdminApiError(401, 'unauthenticated', 'Unauthenticated', undefined));
    expect(text).toBe('error: Unauthenticated (unauthenticated)\nhint: check AGENTAUTH_ADMIN_TOKEN (or --token).\n');
  });

  it('tells how to force a rotation the server calls too soon', () => {
    const { text } = renderError(new AdminApiError(409, 'rotation_too_soon', 'Key rotation too soon', 'retry later'));
    expect(text).toContain('hint: pass --force');
  });

  it('hints at starting the server when it cannot be reached, with exit 3', () => {
    const { text, exitCode } = renderError(new ServerUnreachableError('http://127.0.0.1:8080', 'ECONNREFUSED'));
    expect(exitCode).toBe(3);
    expect(text).toContain('connection refused by http://127.0.0.1:8080 (ECONNREFUSED)');
    expect(text).toContain("agentauth start");
    expect(text).toContain('AGENTAUTH_URL');
  });

  it('points usage errors at the command help, with exit 2', () => {
    expect(renderError(new UsageError('missing ID', 'agents show'))).toEqual({
      text: "error: missing ID\nrun 'agentauth agents show --help' for usage\n",
      exitCode: 2,
    });
  });

  it('shows OAuth errors and unexpected answers with exit 1', () => {
    expect(renderError(new OAuthClientError('invalid_client', 'client authentication failed', 401))).toEqual({
      text: 'error: token request refused: invalid_client: client authentication failed (HTTP 401)\n',
      exitCode: 1,
    });
    expect(renderError(new UnexpectedResponseError('ERR_METADATA_ISSUER_MISMATCH', 'issuer differs', 200)).exitCode).toBe(1);
  });

  it('escapes control characters in server-provided text, keeping its line breaks as indented lines', () => {
    const { text } = renderError(new AdminApiError(400, 'invalid_request', 'Bad\u001b[31m', 'x\u0007\r\nsecond line'));
    expect(text).toBe('error: Bad\\x1b[31m (invalid_request): x\\x07\n  second line\n');
  });

  it.each([
    ['ECONNREFUSED', 'connection_refused', 'connection refused by', 'agentauth start'],
    ['ENOTFOUND', 'dns_failure', 'cannot resolve the host name 127.0.0.1', 'check the host name'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls_verification_failed', 'TLS certificate verification failed for', '--cacert'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls_verification_failed', 'TLS certificate verification failed for', '--cacert'],
    ['CERT_HAS_EXPIRED', 'tls_verification_failed', 'TLS certificate verification failed for', 'validity period'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls_verification_failed', 'TLS certificate verification failed for', 'does not name this host'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tls_failed', 'TLS handshake with', '--cert'],
    ['ECONNRESET', 'connection_failed', 'cannot reach', 'network'],
  ])('tells %s apart (%s), with exit 3 and a hint', (reason, code, message, hint) => {
    const error = new ServerUnreachableError('https://127.0.0.1:8443', reason);
    const { text, exitCode } = renderError(error);
    expect(exitCode).toBe(3);
    expect(text).toContain(`error: ${message}`);
    expect(text).toContain(`(${reason})`);
    expect(text).toMatch(new RegExp(`\nhint: .*${hint.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}`));
    expect(JSON.parse(renderError(error, true).text).error).toMatchObject({ code, status: null, exit_code: 3 });
  });

  it('renders --json errors as one line with a stable shape', () => {
    const { text, exitCode } = renderError(new UsageError('missing ID', 'agents show'), true);
    expect(exitCode).toBe(2);
    expect(text).toBe('{"error":{"code":"usage","message":"missing ID","status":null,"exit_code":2}}\n');
    expect(JSON.parse(renderError(new OAuthClientError('invalid_client', 'client authentication failed', 401), true).text)).toEqual({
      error: { code: 'invalid_client', message: 'token request refused: invalid_client: client authentication failed (HTTP 401)', status: 401, exit_code: 1 },
    });
    expect(JSON.parse(renderError(new AdminApiError(401, 'unauthenticated', 'Unauthenticated', undefined), true).text).error).toMatchObject({ status: 401, hint: 'check AGENTAUTH_ADMIN_TOKEN (or --token).' });
  });
});
