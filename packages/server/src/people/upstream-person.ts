import type { LoginProviderRecord } from '../store/ports/login-provider-store.js';
import type { UserRole } from '../store/ports/user-store.js';
import { USER_LIMITS, checkGroups, checkName, normaliseEmail } from './validate-user-input.js';

/** Who an upstream says signed in, after the provider's claim mapping. */
export interface UpstreamPerson {
  email: string;
  name: string;
  /** The upstream's groups, and the roles they map to; undefined when the provider maps no groups claim. */
  groups: { groups: string[]; roles: UserRole[] } | undefined;
}

/**
 * Reads a validated ID token's claims through the provider's mapping (docs/people.md, "Sign-in
 * with your identity provider"). Strict: the email claim must be a string; when it is the standard
 * `email` claim, `email_verified` must be `true` (OIDC Core §5.1: an unverified address names no
 * one, and a person is found by email); its domain must be allowed; a groups claim, when mapped,
 * must be an array of strings within the person limits. Returns the reason as a string when the
 * claims are refused: it goes to the audit record, never to the browser.
 */
export function upstreamPerson(provider: LoginProviderRecord, claims: Readonly<Record<string, unknown>>): UpstreamPerson | string {
  const rawEmail = claims[provider.claims.email];
  if (typeof rawEmail !== 'string' || rawEmail.length > USER_LIMITS.emailMax) return `claim ${provider.claims.email} missing or not an email`;
  if (provider.claims.email === 'email' && claims.email_verified !== true) return 'email_verified is not true';
  let email: string;
  try {
    email = normaliseEmail(rawEmail);
  } catch {
    return `claim ${provider.claims.email} is not an email`;
  }
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (provider.allowedDomains.length > 0 && !provider.allowedDomains.includes(domain)) return `email domain ${domain.slice(0, 253)} not allowed`;
  const rawName = claims[provider.claims.name];
  let name: string;
  try {
    name = checkName(typeof rawName === 'string' && rawName.trim() !== '' ? rawName : (email.split('@')[0] ?? email));
  } catch {
    return `claim ${provider.claims.name} is not a usable name`;
  }
  if (provider.claims.groups === null) return { email, name, groups: undefined };
  const rawGroups = claims[provider.claims.groups] ?? [];
  if (!Array.isArray(rawGroups) || !rawGroups.every((g): g is string => typeof g === 'string')) return `claim ${provider.claims.groups} is not an array of strings`;
  let groups: string[];
  try {
    groups = checkGroups(rawGroups);
  } catch {
    return `claim ${provider.claims.groups}: more than ${USER_LIMITS.groupsMax} groups or a group too long`;
  }
  const granted = new Set<UserRole>();
  for (const group of groups) for (const role of Object.hasOwn(provider.groupRoles, group) ? (provider.groupRoles[group] ?? []) : []) granted.add(role);
  const roles = (['admin', 'operator', 'auditor'] as const).filter((role) => granted.has(role));
  return { email, name, groups: { groups, roles } };
}
