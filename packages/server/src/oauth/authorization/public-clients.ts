import type { AuthorizationStore } from '../../store/ports/authorization-store.js';
import type { RequestContext } from './request-context.js';
import { isClientIdUrl } from './client-id-url.js';
import type { PublicClient } from './client-metadata-document.js';
import type { ClientMetadataDocuments } from './client-metadata-documents.js';

/** Longest registered client id looked up (ours are `pub_` and 22 characters). */
const MAX_REGISTERED_CLIENT_ID_LENGTH = 256;

/**
 * The public clients of the authorization code flow, however they identify themselves (docs/oauth.md,
 * "Authorization code flow"): a `client_id` that is an https URL names a Client ID Metadata
 * Document (draft-ietf-oauth-client-id-metadata-document), fetched and cached; any other names a
 * client registered at `/register` (RFC 7591). A URL is never looked up in the registry, so a
 * consent remembered for a document client cannot stand in for its document.
 */
export class PublicClients {
  constructor(
    private readonly deps: {
      store: Pick<AuthorizationStore, 'getPublicClient' | 'rememberMetadataClient'>;
      /** Without it, URL client ids are unknown clients. */
      documents: Pick<ClientMetadataDocuments, 'resolve'> | undefined;
    },
  ) {}

  /**
   * The client `clientId` names, or undefined when none does. With `rememberedOnly`, a URL names
   * a client only once a person has consented to it (`remember`): the token endpoint, which anyone
   * may call, never makes this server fetch a URL no person has ever authorized.
   *
   * @throws {ClientMetadataError} a URL client id or its document refused (already audited)
   */
  async get(clientId: string, ctx: RequestContext, options: { rememberedOnly?: boolean } = {}): Promise<PublicClient | undefined> {
    if (isClientIdUrl(clientId)) {
      if (this.deps.documents === undefined) return undefined;
      if (options.rememberedOnly === true && (await this.deps.store.getPublicClient(clientId)) === undefined) return undefined;
      return this.deps.documents.resolve(clientId, ctx);
    }
    if (clientId.length > MAX_REGISTERED_CLIENT_ID_LENGTH) return undefined;
    return this.deps.store.getPublicClient(clientId);
  }

  /**
   * Keeps a row for a document client before a person's consent or authorization names it (both
   * refer to the client), refreshed with what the document says now. A registered client is there
   * already. The row is what consents and grants hang on; the client itself is always read from
   * its document.
   */
  async remember(client: PublicClient): Promise<void> {
    if (client.document === undefined) return;
    await this.deps.store.rememberMetadataClient({ clientId: client.clientId, name: client.name, redirectUris: client.redirectUris, scopes: client.scopes, createdAt: client.createdAt });
  }
}
