import type { ClaimMapping } from '../store/ports/login-provider-store.js';
import type { UserRole } from '../store/ports/user-store.js';
import { UserError } from './user-error.js';
import { checkName, checkRoles } from './validate-user-input.js';

/** Bounds of a provider's settings: every input is bounded. */
export const LOGIN_PROVIDER_LIMITS = Object.freeze({ issuerMax: 512, clientIdMax: 256, clientSecretMax: 512, scopesMax: 20, scopeMax: 64, domainsMax: 50, groupRolesMax: 100, claimMax: 64 });

/** The provider id: it is a path segment of `/login/oidc/{id}`, so a slug. */
export const LOGIN_PROVIDER_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** Printable ASCII and anything beyond it, but no C0 control or DEL. */
const PRINTABLE = /^[^\p{Cc}]+$/u;
const SCOPE_PATTERN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const CLAIM_PATTERN = /^[A-Za-z0-9_.:/-]+$/;
const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function refuse(message: string): never {
  throw new UserError('validation_failed', message);
}

export function checkProviderId(input: string): string {
  if (!LOGIN_PROVIDER_ID_PATTERN.test(input)) refuse('id: 1 to 32 lower-case letters, digits and inner hyphens');
  return input;
}

/**
 * The issuer identifier (OIDC Discovery 1.0 §2: https, no query or fragment). Plain http only to
 * loopback, as everywhere (ARCHITECTURE.md, Security rules); the SSRF guard decides the rest when
 * discovery runs.
 */
export function checkIssuer(input: string): string {
  if (input.length > LOGIN_PROVIDER_LIMITS.issuerMax) refuse(`issuer: at most ${LOGIN_PROVIDER_LIMITS.issuerMax} characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse('issuer: not an absolute URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost';
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) refuse('issuer: must be https (http only on loopback)');
  if (url.search !== '' || url.hash !== '' || input.includes('#') || input.includes('?')) refuse('issuer: must have no query or fragment');
  if (url.username !== '' || url.password !== '') refuse('issuer: must carry no credentials');
  return input;
}

export function checkClientId(input: string): string {
  if (input.length === 0 || input.length > LOGIN_PROVIDER_LIMITS.clientIdMax || !PRINTABLE.test(input)) refuse(`client_id: 1 to ${LOGIN_PROVIDER_LIMITS.clientIdMax} printable characters`);
  return input;
}

export function checkClientSecret(input: string): string {
  if (input.length === 0 || input.length > LOGIN_PROVIDER_LIMITS.clientSecretMax || !PRINTABLE.test(input)) refuse(`client_secret: 1 to ${LOGIN_PROVIDER_LIMITS.clientSecretMax} printable characters`);
  return input;
}

export function checkDisplayName(input: string): string {
  return checkName(input);
}

/** Scopes (RFC 6749 §3.3 scope-token syntax); `openid` is always requested (OIDC Core §3.1.2.1). */
export function checkScopes(input: readonly string[]): string[] {
  if (input.length > LOGIN_PROVIDER_LIMITS.scopesMax) refuse(`scopes: at most ${LOGIN_PROVIDER_LIMITS.scopesMax}`);
  for (const scope of input) if (scope.length > LOGIN_PROVIDER_LIMITS.scopeMax || !SCOPE_PATTERN.test(scope)) refuse('scopes: each a scope token (RFC 6749 §3.3) of at most 64 characters');
  return [...new Set(['openid', ...input])];
}

export function checkClaimMapping(input: Partial<ClaimMapping> | undefined): ClaimMapping {
  const mapping: ClaimMapping = { email: input?.email ?? 'email', name: input?.name ?? 'name', groups: input?.groups ?? null };
  for (const [field, claim] of Object.entries(mapping)) {
    if (claim !== null && (claim.length === 0 || claim.length > LOGIN_PROVIDER_LIMITS.claimMax || !CLAIM_PATTERN.test(claim))) refuse(`claims.${field}: a claim name of at most 64 characters`);
  }
  return mapping;
}

export function checkGroupRoles(input: Record<string, readonly string[]> | undefined): Record<string, UserRole[]> {
  const entries = Object.entries(input ?? {});
  if (entries.length > LOGIN_PROVIDER_LIMITS.groupRolesMax) refuse(`group_roles: at most ${LOGIN_PROVIDER_LIMITS.groupRolesMax} groups`);
  const out: Record<string, UserRole[]> = Object.create(null) as Record<string, UserRole[]>;
  for (const [group, roles] of entries) {
    if (group.length === 0 || group.length > 128) refuse('group_roles: each group 1 to 128 characters');
    out[group] = checkRoles(roles);
  }
  return { ...out };
}

export function checkAllowedDomains(input: readonly string[]): string[] {
  if (input.length > LOGIN_PROVIDER_LIMITS.domainsMax) refuse(`allowed_domains: at most ${LOGIN_PROVIDER_LIMITS.domainsMax}`);
  const domains = input.map((d) => d.trim().toLowerCase());
  for (const domain of domains) if (!DOMAIN_PATTERN.test(domain)) refuse('allowed_domains: each a DNS domain name');
  return [...new Set(domains)];
}
