import { API_KEY_PREFIX, apiKeyFormatFault, parseScope, TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { AccessTokenError } from './errors.js';
import { IntrospectionClient } from './introspection-client.js';
import type { IssuerKeys } from './issuer-keys.js';
import { migrationWindowHeaders, type MigrationWindow } from './migration-window.js';
import { toPrincipal, type Principal } from './principal.js';
import type { ServiceCredentials } from './service-credentials.js';
import { VerificationError } from './verification-error.js';
import type { VerifiedAccessTokenClaims } from './verify-access-token.js';

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

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

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
    this.client = new IntrospectionClient({ credentials: options.credentials, ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) }, context);
  }

  /** Verifies a key-shaped credential. Throws `VerificationError` or `AccessTokenError` as token checks do. */
  async verify(token: string): Promise<Principal> {
    if (apiKeyFormatFault(token) !== undefined) throw new VerificationError('ERR_TOKEN_INACTIVE');
    const answer = await this.client.introspect(token);
    if (answer.active !== true || answer.token_type !== TOKEN_TYPE_API_KEY) throw new VerificationError('ERR_TOKEN_INACTIVE');
    if (answer.iss !== this.context.issuer) throw new AccessTokenError('ERR_TOKEN_ISSUER');
    const audiences = Array.isArray(answer.aud) ? answer.aud : [];
    if (!audiences.includes(this.context.resource)) throw new AccessTokenError('ERR_TOKEN_AUDIENCE');
    if (typeof answer.exp !== 'number' || answer.exp * 1000 <= this.context.now()) throw new AccessTokenError('ERR_TOKEN_EXPIRED');
    if (!isNonEmptyString(answer.sub) || !isNonEmptyString(answer.client_id) || !isNonEmptyString(answer['key_id']) || typeof answer.iat !== 'number') throw new AccessTokenError('ERR_TOKEN_CLAIMS');
    const scopes = answer.scope === undefined ? [] : typeof answer.scope === 'string' ? parseScope(answer.scope) : undefined;
    if (scopes === undefined) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
    const claims = { iss: answer.iss, sub: answer.sub, client_id: answer.client_id, aud: audiences, exp: answer.exp, iat: answer.iat, jti: answer['key_id'], ...(answer.scope === undefined ? {} : { scope: answer.scope }) };
    return { ...toPrincipal(claims as unknown as VerifiedAccessTokenClaims, scopes, 'bearer'), apiKey: { id: answer['key_id'], kind: 'managed', headers: this.headers } };
  }
}
