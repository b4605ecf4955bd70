import type { Random } from '../random.js';
import { USER_ROLES, type UserRole } from '../store/ports/user-store.js';
import { UserError } from './user-error.js';

/** Bounds of a person's fields: every input is bounded. */
export const USER_LIMITS = Object.freeze({ emailMax: 254, nameMax: 200, groupsMax: 64, groupMax: 128 });

/** Shape of a user id (the one rule lives with the person's record). */
export { USER_ID_PATTERN } from '../store/ports/user-store.js';

/** A new user id: `usr_` + 22 base64url characters (128 random bits). */
export function newUserId(random: Random): string {
  return `usr_${random.token(16)}`;
}

/**
 * The one form an email is stored and looked up in: Unicode NFC, trimmed, lower case. Lower-casing
 * the local part goes beyond RFC 5321 §2.4 (which leaves it to the receiving host), on purpose: no
 * two accounts may differ only in case. Refused unless it is `local@domain` with no whitespace,
 * at most 254 characters (RFC 5321 §4.5.3.1.3 bounds a path).
 */
export function normaliseEmail(input: string): string {
  const email = input.normalize('NFC').trim().toLowerCase();
  if (email.length === 0 || email.length > USER_LIMITS.emailMax) throw new UserError('validation_failed', `email must be 1 to ${USER_LIMITS.emailMax} characters`);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || hasControl(email)) throw new UserError('validation_failed', 'email must be one address, local@domain');
  return email;
}

/** A display name: trimmed, 1 to 200 characters, no control characters. */
export function checkName(input: string): string {
  const name = input.normalize('NFC').trim();
  if (name.length === 0 || name.length > USER_LIMITS.nameMax) throw new UserError('validation_failed', `name must be 1 to ${USER_LIMITS.nameMax} characters`);
  if (hasControl(name)) throw new UserError('validation_failed', 'name must not contain control characters');
  return name;
}

/** Groups: distinct, each 1 to 128 printable characters, at most 64, sorted. */
export function checkGroups(input: readonly string[]): string[] {
  if (input.length > USER_LIMITS.groupsMax) throw new UserError('validation_failed', `groups must hold at most ${USER_LIMITS.groupsMax} names`);
  for (const group of input) {
    if (group.length === 0 || group.length > USER_LIMITS.groupMax || hasControl(group)) {
      throw new UserError('validation_failed', `each group must be 1 to ${USER_LIMITS.groupMax} printable characters`);
    }
  }
  return [...new Set(input)].sort();
}

/** Roles: known names only, distinct, in the order of `USER_ROLES`. */
export function checkRoles(input: readonly string[]): UserRole[] {
  for (const role of input) {
    if (!(USER_ROLES as readonly string[]).includes(role)) throw new UserError('validation_failed', `roles must be among ${USER_ROLES.join(', ')}`);
  }
  return USER_ROLES.filter((role) => input.includes(role));
}

/** Whether text holds a C0 control character or DEL (they have no place in a name or address). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
