import { API_KEY_PREFIX, apiKeyFormatFault, TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { IntrospectionClient } from './introspection-client.js';
import type { IssuerKeys } from './issuer-keys.js';
import { migrationWindowHeaders, type MigrationWindow } from './migration-window.js';
import { keyPrincipal } from './key-principal.js';
import type { Principal } from './principal.js';
import type { ServiceCredentials } from './service-credentials.js';
import { VerificationError } from './verification-error.js';

/**
 * Accepting managed API keys directly during a migration window (docs/migration.md): an explicit
 * opt-in, with the dates callers are told.
 */
export interface ApiKeyAcceptanceOptions extends MigrationWindow {
  /** This service's client credentials; it needs `agentauth:introspect`. */
  credentials: ServiceCredentials;
  /** Longest time an answer is reused, ms, 0 to 60 000. Default 30 000. */
  cacheMs?: number;
  timeoutMs?: number;
}


/** True when `token` claims to be a managed key (its prefix): such a credential goes this way only. */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/**
 * The check of a managed key presented as `Bearer`: its shape and checksum offline (a malformed
 * key never reaches the server), then RFC 7662 introspection at the server, cached briefly; the
 * answer must be an active key (`token_type` the key's URI, never an access token) of our issuer,
 * for this resource, unexpired. The principal carries `apiKey`, with the `Deprecation` (RFC 9745
 * §2) and `Sunset` (RFC 8594 §3) headers every answer to it should carry.
 */
export class ApiKeyAcceptance {
  private readonly client: IntrospectionClient;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(
    options: ApiKeyAcceptanceOptions,
    private readonly context: { issuer: string; resource: string; keys: IssuerKeys; fetch: typeof fetch; now: () => number },
  ) {
    this.headers = migrationWindowHeaders(options, 'apiKeys');
    this.client = new IntrospectionClient({ credentials: options.credentials, resource: context.resource, ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) }, context);
  }

  /** Verifies a key-shaped credential. Throws `VerificationError` or `AccessTokenError` as token checks do. */
  async verify(token: string): Promise<Principal> {
    if (apiKeyFormatFault(token) !== undefined) throw new VerificationError('ERR_TOKEN_INACTIVE');
    const answer = await this.client.introspect(token);
    return keyPrincipal(answer, { tokenType: TOKEN_TYPE_API_KEY, kind: 'managed', issuer: this.context.issuer, resource: this.context.resource, now: this.context.now(), headers: this.headers });
  }
}
