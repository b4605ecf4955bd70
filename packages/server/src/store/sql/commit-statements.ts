import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { placeholder, sqlTemplate, type SqlTemplate } from './sql-template.js';

/**
 * The statements of one group commit on the SQLite commit thread, compiled once from the Kysely
 * builder on the main thread and sent to the thread as SQL text with the order its values bind
 * in: a worker cannot take a Kysely instance, and must not hold hand-written SQL that no type
 * checks. Each insert binds one row of `Database` by column name.
 */
export interface CommitStatements {
  /** One replay claim, `ON CONFLICT DO NOTHING`: one change when the claim was free. */
  claim: SqlTemplate;
  /** The audit chain head (`seq`, `hash`). */
  readHead: SqlTemplate;
  /** Moves the chain head to `seq`, `hash`. */
  moveHead: SqlTemplate;
  audit: SqlTemplate;
  token: SqlTemplate;
  certificate: SqlTemplate;
}

type Table = keyof Database;
/** Every column of a table, each named once: a column its table type gains and this lacks does not compile. */
type Columns<T extends Table> = Record<keyof Database[T] & string, true>;

/** A row of placeholders, one per column (the SQL depends on the column names only). */
function placeholderRow<T extends Table>(columns: Columns<T>): { names: string[]; row: never } {
  const names = Object.keys(columns);
  return { names, row: Object.fromEntries(names.map((name) => [name, placeholder(name)])) as never };
}

/** Compiles the commit thread's statements with `db`'s dialect (SQLite). */
export function compileCommitStatements(db: Kysely<Database>): CommitStatements {
  const claim = placeholderRow<'replay_claims'>({ expires_at: true, key: true });
  const head = { seq: placeholder('seq'), hash: placeholder('hash') } satisfies Partial<Record<keyof Database['audit_chain_head'], string>>;
  const audit = placeholderRow<'audit_log'>({
    seq: true,
    time: true,
    event: true,
    outcome: true,
    agent_id: true,
    actor: true,
    source_ip: true,
    reason: true,
    request_id: true,
    details: true,
    prev_hash: true,
    hash: true,
  });
  const token = placeholderRow<'issued_tokens'>({ jti: true, agent_id: true, client_id: true, issued_at: true, expires_at: true, parent_jti: true, token_digest: true });
  const certificate = placeholderRow<'ca_certificates'>({ serial: true, agent_id: true, kind: true, ca_id: true, issued_at: true, not_after: true, revoked_at: true });
  return {
    claim: sqlTemplate(
      db
        .insertInto('replay_claims')
        .values(claim.row)
        .onConflict((oc) => oc.columns(['expires_at', 'key']).doNothing()),
      claim.names,
    ),
    readHead: sqlTemplate(db.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1), []),
    moveHead: sqlTemplate(db.updateTable('audit_chain_head').set(head as never).where('id', '=', 1), Object.keys(head)),
    audit: sqlTemplate(db.insertInto('audit_log').values(audit.row), audit.names),
    token: sqlTemplate(db.insertInto('issued_tokens').values(token.row), token.names),
    certificate: sqlTemplate(db.insertInto('ca_certificates').values(certificate.row), certificate.names),
  };
}
