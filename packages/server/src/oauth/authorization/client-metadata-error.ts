import type { FetchErrorCode } from '../../net/fetch-error.js';

/**
 * Why a Client ID Metadata Document could not be used. Closed list, for alerts and the
 * `client_metadata.refused` record (docs/events.md):
 *
 * - `client_id`: the client id is not a URL the draft allows (draft-ietf-oauth-client-id-metadata-document §3);
 * - `document`: the document was fetched but breaks a rule (§4.1, or the rules of every public client's metadata);
 * - any {@link FetchErrorCode}: the guarded fetch refused or failed (§4, §6.5, §6.6).
 */
export type ClientMetadataErrorCode = 'client_id' | 'document' | FetchErrorCode;

/**
 * A client id URL or its document refused. `description` names the rule, for the developer who
 * publishes the document (it never echoes the document's content); `message` adds the detail for
 * the log and the audit record.
 */
export class ClientMetadataError extends Error {
  override readonly name = 'ClientMetadataError';
  constructor(
    readonly code: ClientMetadataErrorCode,
    readonly description: string,
    detail: string = description,
  ) {
    super(`${code}: ${detail}`);
  }
}
