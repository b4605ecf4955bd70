import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { AuditEvent } from '../events/audit-events.js';
import { openBox, sealBox } from '../keys/sealed-box.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { ClaimMapping, LoginProviderPatch, LoginProviderRecord, LoginProviderStore } from '../store/ports/login-provider-store.js';
import type { AuditInput } from '../store/records.js';
import {
  checkAllowedDomains,
  checkClaimMapping,
  checkClientId,
  checkClientSecret,
  checkDisplayName,
  checkGroupRoles,
  checkIssuer,
  checkProviderId,
  checkScopes,
} from './login-provider-input.js';
import { UserError } from './user-error.js';

/** A provider as the admin API describes it. */
export interface LoginProviderInput {
  display_name: string;
  issuer: string;
  client_id: string;
  client_secret: string;
  scopes?: readonly string[];
  claims?: Partial<ClaimMapping>;
  group_roles?: Record<string, readonly string[]>;
  allowed_domains?: readonly string[];
  just_in_time?: boolean;
}

/** The associated data a login provider's client secret is sealed with: the provider id. */
export const loginProviderAad = (providerId: string): string => `login-provider:${providerId}`;

/** Seals a provider's client secret under the master key, bound to the provider id (ARCHITECTURE.md, Security rules). */
export function sealClientSecret(masterKey: Buffer, providerId: string, secret: string): string {
  return sealBox(masterKey, loginProviderAad(providerId), Buffer.from(secret, 'utf8'));
}

/** Opens what {@link sealClientSecret} sealed for the same provider. */
export function openClientSecret(masterKey: Buffer, providerId: string, sealed: string): string {
  return openBox(masterKey, loginProviderAad(providerId), sealed).toString('utf8');
}

/**
 * Upstream OpenID Connect providers as operators manage them (docs/people.md, "Sign-in with your
 * identity provider"). Every change is validated and committed with its `login_provider.*` audit
 * record in one transaction; the client secret is sealed before it is stored and never returned,
 * logged or audited. `onChange` hears of every change, so cached discovery is dropped.
 */
export class LoginProviderService {
  constructor(private readonly deps: { clock: Clock; store: LoginProviderStore; masterKey: Buffer; onChange?: (id: string) => void }) {}

  async create(id: string, input: LoginProviderInput, ctx: AuditContext): Promise<LoginProviderRecord> {
    const now = this.deps.clock.now();
    const providerId = checkProviderId(id);
    const record: LoginProviderRecord = {
      id: providerId,
      displayName: checkDisplayName(input.display_name),
      issuer: checkIssuer(input.issuer),
      clientId: checkClientId(input.client_id),
      clientSecret: sealClientSecret(this.deps.masterKey, providerId, checkClientSecret(input.client_secret)),
      scopes: checkScopes(input.scopes ?? ['email', 'profile']),
      claims: checkClaimMapping(input.claims),
      groupRoles: checkGroupRoles(input.group_roles),
      allowedDomains: checkAllowedDomains(input.allowed_domains ?? []),
      justInTime: input.just_in_time ?? false,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.deps.store.createLoginProvider(record, [this.record('login_provider.created', ctx, record, [])]);
    } catch (error) {
      if (error instanceof ConflictError) throw new UserError('conflict', 'a login provider with this id already exists');
      throw error;
    }
    this.deps.onChange?.(providerId);
    return record;
  }

  async get(id: string): Promise<LoginProviderRecord> {
    const record = await this.deps.store.getLoginProvider(id);
    if (record === undefined) throw new UserError('not_found', 'no such login provider');
    return record;
  }

  list(): Promise<LoginProviderRecord[]> {
    return this.deps.store.listLoginProviders();
  }

  async update(id: string, input: Partial<LoginProviderInput>, ctx: AuditContext): Promise<LoginProviderRecord> {
    const patch: LoginProviderPatch = {
      ...(input.display_name === undefined ? {} : { displayName: checkDisplayName(input.display_name) }),
      ...(input.issuer === undefined ? {} : { issuer: checkIssuer(input.issuer) }),
      ...(input.client_id === undefined ? {} : { clientId: checkClientId(input.client_id) }),
      ...(input.client_secret === undefined ? {} : { clientSecret: sealClientSecret(this.deps.masterKey, id, checkClientSecret(input.client_secret)) }),
      ...(input.scopes === undefined ? {} : { scopes: checkScopes(input.scopes) }),
      ...(input.claims === undefined ? {} : { claims: checkClaimMapping(input.claims) }),
      ...(input.group_roles === undefined ? {} : { groupRoles: checkGroupRoles(input.group_roles) }),
      ...(input.allowed_domains === undefined ? {} : { allowedDomains: checkAllowedDomains(input.allowed_domains) }),
      ...(input.just_in_time === undefined ? {} : { justInTime: input.just_in_time }),
    };
    const changed = Object.keys(input).sort();
    const updated = await this.deps.store.updateLoginProvider(id, patch, this.deps.clock.now(), (r) => [this.record('login_provider.updated', ctx, r, changed)]);
    if (updated === undefined) throw new UserError('not_found', 'no such login provider');
    this.deps.onChange?.(id);
    return updated;
  }

  async delete(id: string, ctx: AuditContext): Promise<void> {
    const record = await this.get(id);
    if (!(await this.deps.store.deleteLoginProvider(id, [this.record('login_provider.deleted', ctx, record, [])]))) throw new UserError('not_found', 'no such login provider');
    this.deps.onChange?.(id);
  }

  private record(event: AuditEvent, ctx: AuditContext, r: LoginProviderRecord, changed: string[]): AuditInput {
    // The secret's field name may be listed as changed; its value never is.
    return changeRecord(this.deps.clock.now(), event, ctx, { provider_id: r.id, issuer: r.issuer, ...(changed.length === 0 ? {} : { changed }) }, null);
  }
}
