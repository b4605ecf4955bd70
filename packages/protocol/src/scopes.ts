/**
 * Privileged scopes for the server's own APIs. A token carrying one is requested with
 * `resource` = the issuer identifier. They are granted only through the admin API or a
 * registration made with an admin initial access token.
 */
export const SCOPE_ADMIN = 'agentauth:admin';
/** RFC 7662 introspection of other clients' tokens. */
export const SCOPE_INTROSPECT = 'agentauth:introspect';
/** Certificate issuance from the built-in CA. */
export const SCOPE_CERT = 'agentauth:cert';
/** Shared Signals stream management and delivery. */
export const SCOPE_SIGNALS = 'agentauth:signals';
/** Asking the policy decision point (OpenID AuthZEN Authorization API 1.0 evaluations). */
export const SCOPE_AUTHORIZE = 'agentauth:authorize';

/** Every scope with this prefix is privileged. */
export const PRIVILEGED_SCOPE_PREFIX = 'agentauth:';

/** True for a scope that only an administrator may grant. */
export function isPrivilegedScope(scope: string): boolean {
  return scope.startsWith(PRIVILEGED_SCOPE_PREFIX);
}

/**
 * RFC 6749 §3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ).
 * A scope list is scope-tokens separated by single spaces.
 */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Splits an RFC 6749 §3.3 scope string; returns undefined when it is malformed. */
export function parseScope(scope: string): string[] | undefined {
  if (scope === '') return [];
  const parts = scope.split(' ');
  for (const part of parts) if (!SCOPE_TOKEN_PATTERN.test(part)) return undefined;
  return parts;
}
