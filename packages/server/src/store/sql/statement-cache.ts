import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct statements kept; multi-row inserts vary in shape, so the set is bounded. */
const MAX_STATEMENTS = 512;

/**
 * better-sqlite3 behind Kysely, with prepared statements reused. Kysely prepares every query anew;
 * the hot reads (agents, issued and revoked tokens) repeat the same SQL thousands of times a
 * second, and preparing is a measurable share of each. A statement is only its SQL: reusing it with
 * other bindings is what better-sqlite3 intends.
 */
export function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
