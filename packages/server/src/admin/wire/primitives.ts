import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/**
 * Building blocks of the admin API's wire schemas. Each schema here is plain JSON Schema (the
 * draft 2020-12 subset Ajv and OpenAPI 3.1 share) that also carries its TypeScript type. Where
 * TypeBox's own builder would emit another spelling than the published document uses (`anyOf` of
 * `const`s for `enum`, `patternProperties` for a map), the schema is written out and typed with
 * `Type.Unsafe`: the published keywords stay exactly those Ajv validates with, and its messages
 * (`must be equal to one of the allowed values`) stay the ones clients see.
 */

/** RFC 3339 §5.6 `date-time`, in UTC. */
export const Time = Type.String({ format: 'date-time' });

/** An RFC 3339 time, or null for "never" or "not yet". */
export const NullableTime = Type.Union([Time, Type.Null()]);

/** A {@link Time} from epoch milliseconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** A {@link NullableTime} from epoch milliseconds or null. */
export function rfc3339OrNull(ms: number | null): string | null {
  return ms === null ? null : rfc3339(ms);
}

/** A string, or null. */
export const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });

/** A string from a closed list: `{ type: 'string', enum }`. */
export function StringEnum<const V extends readonly string[]>(values: V, options: Record<string, unknown> = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** A value from a closed list, without a `type` keyword: `{ enum }`. */
export function Enum<const V extends readonly string[]>(values: V): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ enum: [...values] });
}

/** Exactly this value: `{ const }`. */
export function Const<const V extends string>(value: V): TUnsafe<V> {
  return Type.Unsafe<V>({ const: value });
}

/** An object whose members are all of one schema (`additionalProperties`), e.g. labels. */
export function StringMap<V extends TSchema>(value: V, options: Record<string, unknown> = {}): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({ type: 'object', ...options, additionalProperties: value });
}

/** A JSON object whose members are not described here (a JWK, audit details). */
export function JsonObject<T extends object = Record<string, unknown>>(options: Record<string, unknown> = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'object', ...options });
}

/** Largest and default page size of the paginated lists. */
export const PAGE_LIMIT_MAX = 500;
export const PAGE_LIMIT_DEFAULT = 50;

/** `limit` and the opaque `cursor` of a paginated list's query (docs/admin-api.md, "Resources"). */
export const pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
};

/**
 * A page request from a validated query. The schema's `default` already filled `limit` in; the
 * fallback only keeps the type honest.
 */
export function pageRequest(query: { limit?: number; cursor?: string }): { limit: number; after?: string } {
  const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
  return query.cursor === undefined ? { limit } : { limit, after: query.cursor };
}

/** One page of a list: `items`, and `next_cursor` when there is another page. */
export function Page<T extends TSchema>(items: T) {
  return Type.Object({ items: Type.Array(items), next_cursor: Type.Optional(Type.String()) });
}

/** A whole (unpaginated) list. */
export function List<T extends TSchema>(items: T) {
  return Type.Object({ items: Type.Array(items) });
}
