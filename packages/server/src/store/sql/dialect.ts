import { sql, type RawBuilder } from 'kysely';

/**
 * Everything that differs between SQLite and PostgreSQL, in one small object (house style: no
 * dialect `if`s across the store). The SQL itself is one Kysely query set for both.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Opens a write transaction. SQLite takes the database write lock up front (`BEGIN IMMEDIATE`),
   * so a transaction that reads then writes never fails to upgrade its lock when another process
   * writes meanwhile; PostgreSQL takes row locks as it goes (see `lockRows`).
   */
  readonly beginWrite: string;
  /**
   * Adds `FOR UPDATE` where rows must be locked inside a write transaction (PostgreSQL). SQLite has
   * no row locks and needs none: its write transaction already excludes every other writer.
   */
  lockRows<Q extends { forUpdate(): Q }>(query: Q): Q;
  /** Bind parameters one statement may carry, with margin (SQLite 32766, PostgreSQL 65535). */
  readonly maxParameters: number;
  /**
   * The member `name` of a JSON object held in a text column: a string member as its text, any
   * other value as JSON text, null when absent. The name is inlined, so it must be a constant of
   * ours, never input.
   */
  jsonMember(column: string, name: string): RawBuilder<string | null>;
  /** True when `error` is a unique or primary-key violation. */
  isUniqueViolation(error: unknown): boolean;
  /** True when `error` is a foreign-key violation. */
  isForeignKeyViolation(error: unknown): boolean;
}

/** A member name is inlined into SQL: only plain identifiers of ours are ever named. */
function checkMemberName(name: string): string {
  if (!/^[a-z_]{1,64}$/.test(name)) throw new TypeError(`not a JSON member name the store names: ${name}`);
  return name;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** better-sqlite3 (SQLite >= 3.35, for `RETURNING`). */
export const sqliteDialect: SqlDialect = Object.freeze({
  name: 'sqlite',
  beginWrite: 'begin immediate',
  lockRows: <Q extends { forUpdate(): Q }>(query: Q): Q => query,
  maxParameters: 30_000,
  jsonMember: (column: string, name: string) => sql<string | null>`json_extract(${sql.ref(column)}, ${sql.lit(`$.${checkMemberName(name)}`)})`,
  isUniqueViolation: (error: unknown) => {
    const code = errorCode(error);
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
  isForeignKeyViolation: (error: unknown) => errorCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY',
});

/** node-postgres; SQLSTATE codes from PostgreSQL Appendix A. */
export const postgresDialect: SqlDialect = Object.freeze({
  name: 'postgres',
  beginWrite: 'begin',
  lockRows: <Q extends { forUpdate(): Q }>(query: Q): Q => query.forUpdate(),
  maxParameters: 60_000,
  // The column is text (one schema for both dialects), hence the cast; `->>` answers text.
  jsonMember: (column: string, name: string) => sql<string | null>`(${sql.ref(column)}::jsonb ->> ${sql.lit(checkMemberName(name))})`,
  isUniqueViolation: (error: unknown) => errorCode(error) === '23505',
  isForeignKeyViolation: (error: unknown) => errorCode(error) === '23503',
});
