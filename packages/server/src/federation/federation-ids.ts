import type { Random } from '../random.js';

/** A new trusted issuer id: `tis_` + 22 base64url characters (128 bits). */
export function newTrustedIssuerId(random: Random): string {
  return `tis_${random.token(16)}`;
}

/** A new binding rule id: `bnd_` + 22 base64url characters (128 bits). */
export function newBindingRuleId(random: Random): string {
  return `bnd_${random.token(16)}`;
}

/** Shape of a trusted issuer id. */
export const TRUSTED_ISSUER_ID_PATTERN = /^tis_[A-Za-z0-9_-]{1,64}$/;
/** Shape of a binding rule id. */
export const BINDING_RULE_ID_PATTERN = /^bnd_[A-Za-z0-9_-]{1,64}$/;
