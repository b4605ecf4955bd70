import { checkTokenResponse, GRANT_CLIENT_CREDENTIALS } from '@agentauth/protocol';
import type { IssuerKeys } from './issuer-keys.js';
import { fetchJson } from './lib/fetch-json.js';
import { authenticateForm, type ServiceCredentials } from './service-credentials.js';

/**
 * This service's own access token for one of the server's APIs (RFC 6749 §4.4 client
 * credentials, `resource` = the issuer, RFC 8707), cached until 30 s before it expires.
 */
export class ServiceToken {
  private cached: { token: string; until: number } | undefined;

  constructor(
    private readonly context: { issuer: string; credentials: ServiceCredentials; scope: string; keys: IssuerKeys; fetch: typeof fetch; now: () => number; timeoutMs: number },
  ) {}

  async get(): Promise<string> {
    const now = this.context.now();
    if (this.cached !== undefined && this.cached.until > now) return this.cached.token;
    const metadata = await this.context.keys.metadata();
    if (metadata.token_endpoint === undefined) throw new Error('the server advertises no token_endpoint');
    const form = new URLSearchParams({ grant_type: GRANT_CLIENT_CREDENTIALS, scope: this.context.scope, resource: this.context.issuer });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    await authenticateForm(this.context.credentials, form, headers, { issuer: this.context.issuer, nowMs: now });
    const { body } = await fetchJson(metadata.token_endpoint, { fetch: this.context.fetch, timeoutMs: this.context.timeoutMs, method: 'POST', headers, body: form.toString() });
    const checked = checkTokenResponse(body);
    if (!checked.ok) throw new Error(checked.problem);
    const { access_token: token, expires_in: expiresIn } = checked.response;
    this.cached = { token, until: now + Math.max(0, expiresIn - 30) * 1000 };
    return token;
  }

  /** Forgets the token (after a 401). */
  clear(): void {
    this.cached = undefined;
  }
}
