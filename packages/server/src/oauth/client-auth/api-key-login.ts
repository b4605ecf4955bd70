import type { ClientDirectory } from '../client-directory.js';
import type { FormParameters } from '../form-parameters.js';
import type { AuthenticatedClient } from './authenticate-client.js';

/**
 * A token exchange whose `subject_token` is a managed API key, sent without client credentials
 * (docs/migration.md, "Keys become tokens"): RFC 8693 §2.1 leaves unauthenticated clients to the
 * server's discretion, and here the key itself says which agent is asking. `api-keys/` implements
 * it, so the protocol core never reads the key store.
 */
export interface ApiKeyLogin {
  /**
   * Authenticates the key's agent by the form's `subject_token`. Throws
   * `ClientAuthenticationError` (`invalid_request`, RFC 8693 §2.2.2) with a fixed description.
   */
  authenticateSubjectKey(directory: ClientDirectory, form: FormParameters, sourceIp: string | null): Promise<AuthenticatedClient>;
}
