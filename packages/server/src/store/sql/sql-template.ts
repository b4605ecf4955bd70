import type { Compilable } from 'kysely';

/** Stands for the named value while a query is compiled; no real value looks like it. */
export const placeholder = (name: string): string => `\u0000agentauth-parameter-${name}\u0000`;

/**
 * A Kysely query compiled once: its SQL text, and for each parameter it binds, in order, the
 * name of the value that goes there or a constant of the query itself.
 */
export interface SqlTemplate {
  sql: string;
  parameters: ({ name: string } | { constant: unknown })[];
}

/**
 * Compiles `query`, built with `placeholder(name)` wherever one of `names` goes. Each value must
 * end up a bound parameter, never in the SQL text, and each must be used: otherwise a `TypeError`.
 */
export function sqlTemplate(query: Compilable<unknown>, names: readonly string[]): SqlTemplate {
  const compiled = query.compile();
  const placeholders = names.map(placeholder);
  if (placeholders.some((p) => compiled.sql.includes(p))) throw new TypeError('a parameter was compiled into the SQL text');
  const parameters = compiled.parameters.map((value) => {
    const index = typeof value === 'string' ? placeholders.indexOf(value) : -1;
    return index >= 0 ? { name: names[index] as string } : { constant: value };
  });
  const used = new Set(parameters.flatMap((p) => ('name' in p ? [p.name] : [])));
  if (used.size !== names.length) throw new TypeError(`${names.length - used.size} of ${names.length} parameters unused`);
  return { sql: compiled.sql, parameters };
}

/** The parameters of `template` in binding order, the named ones taken from `values` (by name, or by index for an array). */
export function bindTemplate(template: SqlTemplate, values: object): unknown[] {
  const named = values as Readonly<Record<string, unknown>>;
  return template.parameters.map((p) => ('name' in p ? named[p.name] : p.constant));
}
