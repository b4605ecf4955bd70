import type { PublicClientRecord } from '../../store/ports/authorization-store.js';
import type { AgentRecord } from '../../store/records.js';
import { FetchError } from '../../net/fetch-error.js';
import { parseJwks, type JwksKey } from '../../net/remote-jwks.js';
import { OAuthError } from '../oauth-error.js';
import { singleUriProblem } from './client-id-url.js';
import { ClientMetadataError } from './client-metadata-error.js';
import { readPublicClientMetadata } from './public-client-metadata.js';

/** Longest `client_uri` or `logo_uri` kept. */
const MAX_DOCUMENT_URI_LENGTH = 2000;
/** Members that only a confidential client holding a shared secret has (draft §4.1). */
const SECRET_MEMBERS = ['client_secret', 'client_secret_expires_at'];

/**
 * A client as the authorization endpoint and the token endpoint use it: a registered public one,
 * one described by its Client ID Metadata Document, with what its document adds for the consent
 * page, or a registered agent (`agent`), the one kind that is confidential.
 */
export interface PublicClient extends PublicClientRecord {
  /** Present when the client is an agent of the registry (`agentAsClient`): it must authenticate at the token endpoint. */
  agent?: AgentRecord;
  /** Present when the client is identified by a Client ID Metadata Document. */
  document?: {
    /** The host of the client id URL: who really publishes the client, shown first to the person. */
    host: string;
    clientUri: string | undefined;
    logoUri: string | undefined;
    /**
     * How it authenticates at the token endpoint: `none` (a public client), or `private_key_jwt`
     * (RFC 7523 §2.2) with the keys of its `jwks_uri` or of its inline `jwks`.
     */
    auth: { method: 'none' } | { method: 'private_key_jwt'; jwksUri: string } | { method: 'private_key_jwt'; keys: JwksKey[] };
  };
}

/**
 * Reads a Client ID Metadata Document fetched from `clientId`
 * (draft-ietf-oauth-client-id-metadata-document §4.1), strictly:
 *
 * - a JSON object whose `client_id` is `clientId`, compared as plain strings (RFC 3986 §6.2.1:
 *   nothing is normalised);
 * - no `client_secret` or `client_secret_expires_at` (§4.1: no shared secret), and
 *   `token_endpoint_auth_method` exactly `none` or `private_key_jwt` (RFC 7591 §2 defaults an
 *   absent one to `client_secret_basic`, which a document can never use); with `private_key_jwt`,
 *   exactly one of `jwks_uri` (https) and `jwks` (a JWK Set of public signing keys, at least one
 *   usable), draft §6.2;
 * - the rules of every public client's metadata (`readPublicClientMetadata`): `redirect_uris`,
 *   `grant_types`, `response_types`, `client_name`, `scope`;
 * - `client_uri` and `logo_uri`, when present, https URIs of at most 2000 characters (`jwks_uri`
 *   too, or http on loopback with `allowLoopback`).
 *
 * Unknown members are ignored (RFC 7591 §2). Does NOT fetch anything, nor check the URL itself
 * (`checkClientIdUrl`).
 *
 * @throws {ClientMetadataError} `document`, naming the member and the rule
 */
export function readClientMetadataDocument(clientId: string, url: URL, body: unknown, now: number, rule: { allowLoopback: boolean } = { allowLoopback: false }): PublicClient {
  const fail = (description: string) => new ClientMetadataError('document', `client metadata document: ${description}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('must be a JSON object');
  const document = body as Record<string, unknown>;
  if (document['client_id'] !== clientId) throw fail('client_id must equal the URL it was fetched from, character for character');
  const secret = SECRET_MEMBERS.find((member) => member in document);
  if (secret !== undefined) throw fail(`${secret} must not be present (a document describes a client without a shared secret)`);
  const auth = readAuth(document, fail, rule.allowLoopback);
  let metadata;
  try {
    metadata = readPublicClientMetadata(document);
  } catch (error) {
    if (error instanceof OAuthError) throw fail(error.description);
    throw error;
  }
  const optionalUri = (member: string): string | undefined => {
    const value = document[member];
    if (value === undefined) return undefined;
    const problem = singleUriProblem(member, value, { maxLength: MAX_DOCUMENT_URI_LENGTH, allowLoopbackHttp: false });
    if (problem !== undefined) throw fail(problem);
    return value as string;
  };
  const clientUri = optionalUri('client_uri');
  const logoUri = optionalUri('logo_uri');
  return { clientId, name: metadata.name, redirectUris: metadata.redirectUris, scopes: metadata.scopes, createdAt: now, document: { host: url.host, clientUri, logoUri, auth } };
}

/** `token_endpoint_auth_method` and the keys `private_key_jwt` needs. */
function readAuth(document: Record<string, unknown>, fail: (description: string) => ClientMetadataError, allowLoopback: boolean): NonNullable<PublicClient['document']>['auth'] {
  const method = document['token_endpoint_auth_method'];
  if (method === 'none') return { method };
  if (method !== 'private_key_jwt') throw fail('token_endpoint_auth_method must be "none" or "private_key_jwt" (never a shared secret)');
  const { jwks_uri: jwksUri, jwks } = document;
  if ((jwksUri === undefined) === (jwks === undefined)) throw fail('private_key_jwt needs exactly one of jwks_uri and jwks');
  if (jwksUri !== undefined) {
    const problem = singleUriProblem('jwks_uri', jwksUri, { maxLength: MAX_DOCUMENT_URI_LENGTH, allowLoopbackHttp: allowLoopback });
    if (problem !== undefined) throw fail(problem);
    return { method, jwksUri: jwksUri as string };
  }
  let keys: JwksKey[];
  try {
    keys = parseJwks(jwks);
  } catch (error) {
    if (error instanceof FetchError) throw fail('jwks must be a JWK Set (RFC 7517 §5)');
    throw error;
  }
  if (keys.length === 0) throw fail('jwks must hold at least one public signing key');
  return { method, keys };
}
