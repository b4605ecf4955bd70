import { readFileSync } from 'node:fs';

/** The JSON value kinds a detail field may hold. */
export const FIELD_KINDS = ['string', 'number', 'integer', 'boolean'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

/** One field of a detail type: its kind and bounds. Fields not declared are refused. */
export interface DetailField {
  type: FieldKind;
  required: boolean;
  /** Strings: allowed values. */
  enum?: string[];
  /** Strings: at most this many characters (default and ceiling 1000). */
  maxLength: number;
  /** Numbers: inclusive bounds. */
  minimum?: number;
  maximum?: number;
}

/**
 * When a detail of a type needs a person's approval: `always` (the default), `never`, or when a
 * numeric field is above a threshold (`{ "field": "amount", "above": 100 }`).
 */
export type ApprovalRule = { kind: 'always' } | { kind: 'never' } | { kind: 'above'; field: string; above: number };

/** One RFC 9396 §2 authorization detail type an operator configured. */
export interface DetailType {
  name: string;
  description: string;
  fields: ReadonlyMap<string, DetailField>;
  approval: ApprovalRule;
}

/** Every configured type, by name. */
export type DetailTypes = ReadonlyMap<string, DetailType>;

/** The RFC 9396 §2.2 common fields, always allowed and checked by their own rule. */
export const COMMON_FIELDS = ['locations', 'actions', 'datatypes', 'identifier', 'privileges'] as const;

const TYPE_NAME = /^[A-Za-z0-9_.:/-]{1,100}$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_TYPES = 100;
const MAX_FIELDS = 50;
export const MAX_STRING_LENGTH = 1000;

/**
 * Reads the detail types file (`approvalTypesFile`, docs/approvals.md "Detail types"). Strict: an
 * unknown member, a wrong kind or bound, a threshold on a field that is not a number: every problem
 * is collected and thrown together as one `TypeError`, so the server does not start on a file
 * that says something other than what the operator meant.
 */
export function readDetailTypes(path: string | undefined): DetailTypes {
  if (path === undefined) return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TypeError(`approvalTypesFile ${path}: not readable JSON (${(error as Error).message})`);
  }
  return parseDetailTypes(raw, `approvalTypesFile ${path}`);
}

/** {@link readDetailTypes} over a parsed JSON value. */
export function parseDetailTypes(raw: unknown, source = 'detail types'): DetailTypes {
  const problems: string[] = [];
  const types = new Map<string, DetailType>();
  if (!isObject(raw)) throw new TypeError(`${source}: must be a JSON object of type name to definition`);
  const entries = Object.entries(raw);
  if (entries.length > MAX_TYPES) problems.push(`at most ${MAX_TYPES} types`);
  for (const [name, definition] of entries) {
    const at = `type ${JSON.stringify(name)}`;
    if (!TYPE_NAME.test(name)) problems.push(`${at}: name must match ${TYPE_NAME.source}`);
    if (!isObject(definition)) {
      problems.push(`${at}: must be an object`);
      continue;
    }
    for (const key of Object.keys(definition)) if (!['description', 'fields', 'approval'].includes(key)) problems.push(`${at}: unknown member ${JSON.stringify(key)}`);
    const description = definition['description'] ?? '';
    if (typeof description !== 'string' || description.length > 500) problems.push(`${at}: description must be a string of at most 500 characters`);
    const fields = new Map<string, DetailField>();
    const rawFields = definition['fields'] ?? {};
    if (!isObject(rawFields)) problems.push(`${at}: fields must be an object`);
    else {
      if (Object.keys(rawFields).length > MAX_FIELDS) problems.push(`${at}: at most ${MAX_FIELDS} fields`);
      for (const [fieldName, field] of Object.entries(rawFields)) {
        const where = `${at} field ${JSON.stringify(fieldName)}`;
        if (!FIELD_NAME.test(fieldName) || fieldName === 'type' || (COMMON_FIELDS as readonly string[]).includes(fieldName)) {
          problems.push(`${where}: name must match ${FIELD_NAME.source} and not be type or an RFC 9396 common field`);
          continue;
        }
        const parsed = parseField(field, where, problems);
        if (parsed !== undefined) fields.set(fieldName, parsed);
      }
    }
    const approval = parseApproval(definition['approval'], fields, at, problems);
    types.set(name, { name, description: typeof description === 'string' ? description : '', fields, approval });
  }
  if (problems.length > 0) throw new TypeError(`${source}: ${problems.join('; ')}`);
  return types;
}

function parseField(raw: unknown, where: string, problems: string[]): DetailField | undefined {
  if (!isObject(raw)) {
    problems.push(`${where}: must be an object`);
    return undefined;
  }
  for (const key of Object.keys(raw)) if (!['type', 'required', 'enum', 'maxLength', 'minimum', 'maximum'].includes(key)) problems.push(`${where}: unknown member ${JSON.stringify(key)}`);
  const type = raw['type'];
  if (typeof type !== 'string' || !(FIELD_KINDS as readonly string[]).includes(type)) {
    problems.push(`${where}: type must be one of ${FIELD_KINDS.join(', ')}`);
    return undefined;
  }
  const field: DetailField = { type: type as FieldKind, required: raw['required'] === true, maxLength: MAX_STRING_LENGTH };
  if (raw['required'] !== undefined && typeof raw['required'] !== 'boolean') problems.push(`${where}: required must be a boolean`);
  if (raw['enum'] !== undefined) {
    const values = raw['enum'];
    if (type !== 'string' || !Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) problems.push(`${where}: enum must be a non-empty array of strings, on a string field`);
    else field.enum = values as string[];
  }
  if (raw['maxLength'] !== undefined) {
    const max = raw['maxLength'];
    if (type !== 'string' || typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_STRING_LENGTH) problems.push(`${where}: maxLength must be an integer 1-${MAX_STRING_LENGTH}, on a string field`);
    else field.maxLength = max;
  }
  for (const bound of ['minimum', 'maximum'] as const) {
    const value = raw[bound];
    if (value === undefined) continue;
    if ((type !== 'number' && type !== 'integer') || typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${where}: ${bound} must be a number, on a number or integer field`);
    else field[bound] = value;
  }
  return field;
}

function parseApproval(raw: unknown, fields: ReadonlyMap<string, DetailField>, at: string, problems: string[]): ApprovalRule {
  if (raw === undefined || raw === 'always') return { kind: 'always' };
  if (raw === 'never') return { kind: 'never' };
  if (isObject(raw) && typeof raw['field'] === 'string' && typeof raw['above'] === 'number' && Number.isFinite(raw['above']) && Object.keys(raw).length === 2) {
    const field = fields.get(raw['field']);
    if (field === undefined || (field.type !== 'number' && field.type !== 'integer') || !field.required) {
      problems.push(`${at}: approval threshold field ${JSON.stringify(raw['field'])} must be a required number or integer field of the type`);
    }
    return { kind: 'above', field: raw['field'], above: raw['above'] };
  }
  problems.push(`${at}: approval must be "always", "never" or { "field": <number field>, "above": <number> }`);
  return { kind: 'always' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
