import type { AuthorizationStore } from '../../store/ports/authorization-store.js';
import type { RequestContext } from './request-context.js';
import { isClientIdUrl } from './client-id-url.js';
import type { PublicClient } from './client-metadata-document.js';
import type { ClientMetadataDocuments } from './client-metadata-documents.js';
import type { AgentRecord } from '../../store/records.js';
import { agentAsClient, isAgentClientId } from './agent-client.js';

/** Longest registered client id looked up (ours are `pub_` and 22 characters). */
const MAX_REGISTERED_CLIENT_ID_LENGTH = 256;

/**
 * The public clients of the authorization code flow, however they identify themselves (docs/oauth.md,
 * "Authorization code flow"): a `client_id` that is an https URL names a Client ID Metadata
 * Document (draft-ietf-oauth-client-id-metadata-document), fetched and cached; any other names a
 * client registered at `/register` (RFC 7591), except an agent id (`agt_...`), which names an
 * agent of the registry with redirect URIs: a confidential client (`agentAsClient`). Neither a URL
 * nor an agent id is ever looked up among registered public clients, so the row kept for a
 * consent cannot stand in for the document or the agent.
 */
export class PublicClients {
  constructor(
    private readonly deps: {
      store: Pick<AuthorizationStore, 'getPublicClient' | 'rememberMetadataClient'>;
      /** Without it, URL client ids are unknown clients. */
      documents: Pick<ClientMetadataDocuments, 'resolve'> | undefined;
      /** The agent registry (any status: the caller checks standing); without it, agent ids are unknown clients. */
      agents?: (agentId: string) => Promise<AgentRecord | undefined>;
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
    if (isAgentClientId(clientId)) {
      const agent = this.deps.agents === undefined ? undefined : await this.deps.agents(clientId);
      return agent === undefined ? undefined : agentAsClient(agent);
    }
    if (clientId.length > MAX_REGISTERED_CLIENT_ID_LENGTH) return undefined;
    return this.deps.store.getPublicClient(clientId);
  }

  /**
   * Keeps a row for a document client or an agent before a person's consent or authorization
   * names it (both refer to the client), refreshed with what the document or the registry says
   * now. A registered public client is there already. The row is what consents and grants hang
   * on; the client itself is always read from its document or the registry.
   */
  async remember(client: PublicClient): Promise<void> {
    if (client.document === undefined && client.agent === undefined) return;
    await this.deps.store.rememberMetadataClient({ clientId: client.clientId, name: client.name, redirectUris: client.redirectUris, scopes: client.scopes, createdAt: client.createdAt });
  }
}
