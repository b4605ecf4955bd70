import { isIP } from 'node:net';
import { isLoopbackHost } from '@agentauth/protocol';
import { uriProblem, type UriRule } from '../../net/uri-rule.js';
import { ClientMetadataError } from './client-metadata-error.js';

/** Longest client id URL read: every input is bounded. */
export const CLIENT_ID_URL_MAX_LENGTH = 1024;

/**
 * Whether a `client_id` names a Client ID Metadata Document rather than a registered client:
 * it starts with `https://` (or `http://`, refused later unless loopback is allowed), in any case.
 * Registered clients' ids (`pub_…`) never do.
 */
export function isClientIdUrl(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

/** What a client id URL may be besides the draft's rules. */
export interface ClientIdUrlRule {
  /**
   * The `clientMetadataAllowPrivateNetworks` opt-in: `http` and IP literals, on loopback only
   * (a document server in a test). The guarded fetch still checks every address it connects to.
   */
  allowLoopback: boolean;
}

/**
 * Checks a client id URL (draft-ietf-oauth-client-id-metadata-document §3), strictly: RFC 3986
 * characters only, at most 1024 of them, the host spelt plainly (`uriProblem`); `https`; a path
 * other than `/`; no `.` or `..` path segment, plain or percent-encoded, in the URL as written; no
 * fragment; no user information; a DNS name, not an IP literal. A query is allowed (the draft says
 * SHOULD NOT, not MUST NOT). With `allowLoopback`, `http` and IP literals are allowed on loopback
 * hosts only.
 *
 * Does NOT resolve the host: the guarded fetch refuses private addresses when it connects.
 *
 * @throws {ClientMetadataError} `client_id`, naming the rule
 */
export function checkClientIdUrl(clientId: string, rule: ClientIdUrlRule): URL {
  const fail = (description: string) => new ClientMetadataError('client_id', `client_id URL ${description}`);
  if (clientId.length > CLIENT_ID_URL_MAX_LENGTH) throw fail(`must be at most ${CLIENT_ID_URL_MAX_LENGTH} characters`);
  const problem = singleUriProblem('client_id', clientId, { maxLength: CLIENT_ID_URL_MAX_LENGTH, allowLoopbackHttp: rule.allowLoopback });
  if (problem !== undefined) throw new ClientMetadataError('client_id', problem);
  const url = new URL(clientId);
  if (!clientId.startsWith('https://') && !(rule.allowLoopback && clientId.startsWith('http://'))) throw fail('must start with https:// in lower case');
  const rawPath = /^https?:\/\/[^/?#]*([^?#]*)/.exec(clientId)?.[1] ?? '';
  if (rawPath === '' || rawPath === '/') throw fail('must have a path (draft-ietf-oauth-client-id-metadata-document §3)');
  if (rawPath.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment))) throw fail('must not contain . or .. path segments (§3)');
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(hostname) !== 0 && !(rule.allowLoopback && isLoopbackHost(url.hostname))) throw fail('must name its host by a DNS name, not an IP address');
  return url;
}

/** `uriProblem` for a member that holds one URI, not a list, worded for it. */
export function singleUriProblem(field: string, value: unknown, rule: UriRule): string | undefined {
  return uriProblem(field, value, rule)
    ?.replace('must be absolute URIs that spell their host', 'must be an absolute URI that spells its host')
    .replace('must be absolute URIs', 'must be an absolute URI');
}
