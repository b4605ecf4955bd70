import type { PolicyBinding } from './policy-schema.js';

/**
 * The annotations a policy may carry. Cedar itself ignores annotations; these are the documented
 * convention by which a policy shapes or explains a decision (docs/policy.md, "Shaping the
 * result"). Shaping only ever narrows: a satisfied permit can shorten the lifetime, demand a key
 * binding or a person's approval, never widen anything. An unknown annotation is refused, so a typo
 * (`@max_tll`) is an error at apply time rather than a rule silently not applied.
 */
export const POLICY_ANNOTATIONS = ['id', 'description', 'max_ttl', 'require_binding', 'require_approval', 'refusal'] as const;

/** The refusal codes a forbid policy may choose with `@refusal(...)`. */
export const REFUSAL_CODES = ['invalid_scope', 'invalid_target', 'access_denied', 'invalid_request'] as const;

/** A forbid policy's chosen refusal code. */
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** What a policy's annotations ask for, parsed once when the set is compiled. */
export interface PolicyEffects {
  /** `@max_ttl("N")` on a permit: the credential lives at most N seconds. */
  maxTtl?: number;
  /** `@require_binding("dpop")`, `("mtls")` or `("dpop mtls")` (either) on a permit. */
  requireBinding?: readonly Exclude<PolicyBinding, 'none'>[];
  /** `@require_approval` on a permit: a person must approve (refused until approvals exist). */
  requireApproval?: true;
  /** `@refusal("access_denied")` on a forbid: the error code its denial is answered with. */
  refusal?: RefusalCode;
}

/** Longest lifetime `@max_ttl` may name: one day, the longest any credential here lives. */
const MAX_TTL_LIMIT = 86_400;

/** Reads a policy's annotations; returns the problems instead when one is unknown or malformed. */
export function readPolicyEffects(effect: 'permit' | 'forbid', annotations: Readonly<Record<string, string>>): { ok: true; effects: PolicyEffects } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const effects: PolicyEffects = {};
  for (const [name, value] of Object.entries(annotations)) {
    if (!(POLICY_ANNOTATIONS as readonly string[]).includes(name)) {
      problems.push(`unknown annotation @${name} (known: ${POLICY_ANNOTATIONS.map((a) => `@${a}`).join(', ')})`);
      continue;
    }
    if (name === 'id' || name === 'description') continue;
    if (name === 'refusal') {
      if (effect !== 'forbid') problems.push('@refusal applies to forbid policies only');
      else if (!(REFUSAL_CODES as readonly string[]).includes(value)) problems.push(`@refusal must be one of ${REFUSAL_CODES.join(', ')}`);
      else effects.refusal = value as RefusalCode;
      continue;
    }
    if (effect !== 'permit') {
      problems.push(`@${name} applies to permit policies only (it narrows what a permit grants)`);
      continue;
    }
    if (name === 'max_ttl') {
      const ttl = /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : NaN;
      if (!(ttl <= MAX_TTL_LIMIT)) problems.push(`@max_ttl must be a whole number of seconds from 1 to ${MAX_TTL_LIMIT}`);
      else effects.maxTtl = ttl;
    } else if (name === 'require_binding') {
      const bindings = value.split(' ');
      if (bindings.length === 0 || bindings.some((b) => b !== 'dpop' && b !== 'mtls') || new Set(bindings).size !== bindings.length) {
        problems.push('@require_binding must be "dpop", "mtls" or "dpop mtls"');
      } else effects.requireBinding = bindings as ('dpop' | 'mtls')[];
    } else if (name === 'require_approval') {
      if (value !== '' && value !== 'true') problems.push('@require_approval takes no value (or "true")');
      else effects.requireApproval = true;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, effects };
}
