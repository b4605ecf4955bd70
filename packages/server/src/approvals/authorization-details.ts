import type { AuthorizationDetail } from '@agentauth/protocol';
import { invalidAuthorizationDetails, quoted } from '../oauth/oauth-error.js';
import { COMMON_FIELDS, MAX_STRING_LENGTH, type DetailField, type DetailTypes } from './detail-types.js';

/** Longest `authorization_details` parameter read, in characters. */
export const MAX_DETAILS_LENGTH = 8192;
/** Most details in one request. */
export const MAX_DETAILS = 10;
/** Most entries in a common field's array. */
const MAX_ARRAY = 20;

/**
 * Parses and checks an `authorization_details` parameter (RFC 9396 §2, §5) strictly against the
 * configured types: a JSON array of 1 to {@link MAX_DETAILS} objects, each of a known `type`, with
 * only that type's fields (every required one present, each of its kind and within its bounds) and
 * the §2.2 common fields (`locations`, `actions`, `datatypes`, `privileges`: arrays of strings;
 * `identifier`: a string). `locations`, when present, must each be `resource`, the one audience
 * the token will have. Throws `invalid_authorization_details` naming the detail and the rule.
 *
 * Does NOT decide whether the details need approval ({@link detailsNeedingApproval}).
 */
export function parseAuthorizationDetails(raw: string, types: DetailTypes, resource: string): AuthorizationDetail[] {
  if (raw.length > MAX_DETAILS_LENGTH) throw invalidAuthorizationDetails(`authorization_details must be at most ${MAX_DETAILS_LENGTH} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidAuthorizationDetails('authorization_details must be a JSON array (RFC 9396 section 2)');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_DETAILS) {
    throw invalidAuthorizationDetails(`authorization_details must be a JSON array of 1 to ${MAX_DETAILS} objects (RFC 9396 section 2)`);
  }
  return parsed.map((entry, index) => checkDetail(entry, index, types, resource));
}

function checkDetail(entry: unknown, index: number, types: DetailTypes, resource: string): AuthorizationDetail {
  const at = `authorization_details[${index}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalidAuthorizationDetails(`${at} must be an object`);
  const detail = entry as Record<string, unknown>;
  const type = detail['type'];
  if (typeof type !== 'string') throw invalidAuthorizationDetails(`${at}.type is required and must be a string (RFC 9396 section 2)`);
  const definition = types.get(type);
  if (definition === undefined) throw invalidAuthorizationDetails(`${at}.type ${quoted(type)} is not an authorization detail type of this server`, `unknown type ${type.slice(0, 100)}`);
  for (const [name, value] of Object.entries(detail)) {
    if (name === 'type') continue;
    if ((COMMON_FIELDS as readonly string[]).includes(name)) {
      checkCommon(name, value, `${at}.${name}`, resource);
      continue;
    }
    const field = definition.fields.get(name);
    if (field === undefined) throw invalidAuthorizationDetails(`${at}.${name.slice(0, 64)} is not a field of type ${quoted(type)}`);
    checkField(field, value, `${at}.${name}`);
  }
  for (const [name, field] of definition.fields) if (field.required && !(name in detail)) throw invalidAuthorizationDetails(`${at}.${name} is required for type ${quoted(type)}`);
  return structuredClone(detail) as AuthorizationDetail;
}

function checkCommon(name: string, value: unknown, at: string, resource: string): void {
  if (name === 'identifier') {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_STRING_LENGTH) throw invalidAuthorizationDetails(`${at} must be a string of 1 to ${MAX_STRING_LENGTH} characters`);
    return;
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ARRAY || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING_LENGTH)) {
    throw invalidAuthorizationDetails(`${at} must be an array of 1 to ${MAX_ARRAY} non-empty strings`);
  }
  if (name === 'locations' && !value.every((v) => v === resource)) {
    throw invalidAuthorizationDetails(`${at} must name only the resource the token is for, ${quoted(resource, 200)} (a token is for one resource)`);
  }
}

function checkField(field: DetailField, value: unknown, at: string): void {
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string' || value.length > field.maxLength) throw invalidAuthorizationDetails(`${at} must be a string of at most ${field.maxLength} characters`);
      // A person approves what they read: no control or format characters (bidi overrides) that
      // make the page show something other than what the token carries.
      if (/[\p{Cc}\p{Cf}]/u.test(value)) throw invalidAuthorizationDetails(`${at} must not hold control or format characters`);
      if (field.enum !== undefined && !field.enum.includes(value)) throw invalidAuthorizationDetails(`${at} must be one of ${field.enum.join(', ').slice(0, 200)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidAuthorizationDetails(`${at} must be a boolean`);
      return;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value) || (field.type === 'integer' && !Number.isInteger(value))) throw invalidAuthorizationDetails(`${at} must be ${field.type === 'integer' ? 'an integer' : 'a number'}`);
      if (field.minimum !== undefined && value < field.minimum) throw invalidAuthorizationDetails(`${at} must be at least ${field.minimum}`);
      if (field.maximum !== undefined && value > field.maximum) throw invalidAuthorizationDetails(`${at} must be at most ${field.maximum}`);
      return;
  }
}

/**
 * The details (by index and why) that need a person's approval under their type's rule: `always`,
 * or a threshold field above its bound. Details already checked by {@link parseAuthorizationDetails}.
 */
export function detailsNeedingApproval(details: readonly AuthorizationDetail[], types: DetailTypes): string[] {
  const reasons: string[] = [];
  details.forEach((detail, index) => {
    const rule = types.get(detail.type)?.approval ?? { kind: 'always' as const };
    if (rule.kind === 'always') reasons.push(`authorization_details[${index}] of type '${detail.type}'`);
    else if (rule.kind === 'above' && (detail[rule.field] as number) > rule.above) reasons.push(`authorization_details[${index}] with ${rule.field} above ${rule.above}`);
  });
  return reasons;
}
