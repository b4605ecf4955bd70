import type { AdminClient } from '../admin-client.js';
import type { AuditCheckpoint, AuditVerdict } from '../admin-types.js';
import { checkCheckpoints, jwkSet, readCheckpointFiles, readJwksFile, type CheckedCheckpoint } from '../checkpoint-files.js';
import { CommandFailedError, EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command, CommandContext } from '../command.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';

/** How a checkpoint is named in messages: its number, file, head and signing time. */
function named(c: CheckedCheckpoint): string {
  return `checkpoint ${c.claims.checkpoint} (${c.file}, seq ${c.claims.seq}, signed ${new Date(c.claims.iat * 1000).toISOString()})`;
}

/** The server's JWK Set at `jwks_uri`, fetched over the same connection settings as the admin API. */
async function serverJwks(context: CommandContext, command: string): Promise<ReturnType<typeof jwkSet>> {
  const url = `${context.baseUrl.replace(/\/+$/, '')}/jwks`;
  const response = await context.fetch(url, { headers: { accept: 'application/json' } });
  if (response.status !== 200) throw new UsageError(`${url} answered ${response.status}: give the JWK Set with --jwks FILE`, command);
  return jwkSet(await response.json(), url, command);
}

/**
 * Whether the log still holds the record a checkpoint vouches for, with its hash: `missing` when
 * it ends before it, `changed` when the record at that seq has another hash.
 */
async function holds(admin: AdminClient, c: CheckedCheckpoint): Promise<'held' | 'missing' | 'changed'> {
  const { items } = await admin.listAudit({ cursor: String(c.claims.seq - 1), limit: 1 });
  const record = items[0];
  if (record === undefined || record.seq !== c.claims.seq) return 'missing';
  return record.hash === c.claims.hash ? 'held' : 'changed';
}

/**
 * The oldest checkpoint the log no longer holds. Held checkpoints come first: a record rewritten
 * (its successors' hashes recomputed) or cut off loses every checkpoint from it on, so a binary
 * search asks the server about a few records only.
 */
async function firstLost(admin: AdminClient, checkpoints: readonly CheckedCheckpoint[]): Promise<{ checkpoint: CheckedCheckpoint; how: 'missing' | 'changed' } | undefined> {
  let low = 0;
  let high = checkpoints.length;
  let found: { checkpoint: CheckedCheckpoint; how: 'missing' | 'changed' } | undefined;
  while (low < high) {
    const middle = (low + high) >> 1;
    const checkpoint = checkpoints[middle] as CheckedCheckpoint;
    const how = await holds(admin, checkpoint);
    if (how === 'held') low = middle + 1;
    else {
      found = { checkpoint, how };
      high = middle;
    }
  }
  return found;
}

/**
 * `audit verify --checkpoints DIR`: checks the exported checkpoints (signatures against the
 * server's JWKS or `--jwks FILE`, and their own chain), then has the server verify the hash chain
 * with the newest checkpoint as the expected head; on a failure, names the oldest checkpoint the
 * log no longer holds.
 */
export async function verifyAgainstCheckpoints(context: CommandContext, dir: string, problems: Record<NonNullable<AuditVerdict['problem']>, string>): Promise<number> {
  const command = 'audit verify';
  const jwksFile = context.flags.string('jwks');
  const files = await readCheckpointFiles(dir, command);
  const jwks = jwksFile === undefined ? await serverJwks(context, command) : await readJwksFile(jwksFile, command);
  const checkpoints = await checkCheckpoints(files, jwks);
  const newest = checkpoints.at(-1) as CheckedCheckpoint;
  const admin = context.admin();
  const result = await admin.verifyAudit({ seq: newest.claims.seq, hash: newest.claims.hash });
  const summary = { checkpoints: checkpoints.length, first_checkpoint: checkpoints[0]?.claims.checkpoint, last_checkpoint: newest.claims.checkpoint, last_checkpoint_seq: newest.claims.seq };

  if (result.ok) {
    if (context.json) context.io.stdout(renderJson({ ...result, ...summary }));
    else {
      context.io.stdout(
        `audit chain intact: ${result.records_checked} records checked; it holds every checkpoint\n` +
          renderFields([
            ['head', result.last_seq === undefined ? undefined : `${result.last_seq}:${result.last_hash ?? ''}`],
            ['checkpoints', `${summary.first_checkpoint} to ${summary.last_checkpoint} (${checkpoints.length} files, ${checkpoints.filter((c) => !c.signed).length} vouched for by their successor)`],
            ['last checkpoint', named(newest)],
          ]),
      );
      context.io.stderr(`records after seq ${newest.claims.seq} are covered by the next checkpoint only.\n`);
    }
    return EXIT_OK;
  }

  if (context.json) context.io.stdout(renderJson({ ...result, ...summary }));
  if (result.problem === 'truncated' || result.problem === 'rewritten') {
    const lost = (await firstLost(admin, checkpoints)) ?? { checkpoint: newest, how: result.problem === 'truncated' ? 'missing' : 'changed' };
    const end = result.last_seq === undefined ? '' : `; the log now ends at seq ${result.last_seq}`;
    if (lost.how === 'missing') {
      throw new CommandFailedError('audit_log_truncated', `the audit log was truncated: ${named(lost.checkpoint)} vouches for a record the log no longer holds${end}`);
    }
    throw new CommandFailedError('audit_log_rewritten', `the audit log was rewritten: the record at seq ${lost.checkpoint.claims.seq} no longer has the hash ${named(lost.checkpoint)} vouches for`);
  }
  const bad = result.first_bad_seq;
  const covering = bad === undefined ? undefined : checkpoints.find((c) => c.claims.seq >= bad);
  const why = result.problem === undefined ? '' : `: ${problems[result.problem] ?? result.problem}`;
  const where = covering === undefined ? '' : `, a record ${named(covering)} vouches for`;
  throw new CommandFailedError('audit_chain_broken', `the audit chain is broken at seq ${bad ?? '?'}${why}${where}`);
}

const CHECKPOINT_COLUMNS: Column<AuditCheckpoint>[] = [
  { header: 'CHECKPOINT', value: (c) => c.checkpoint },
  { header: 'SEQ', value: (c) => c.seq },
  { header: 'SIGNED', value: (c) => c.created_at },
  { header: 'KID', value: (c) => c.kid },
  { header: 'HASH', value: (c) => c.hash },
];

/** `audit checkpoints`: the checkpoints the server stored, oldest first. */
export const listCheckpointsCommand: Command = {
  name: 'audit checkpoints',
  summary: "list the signed checkpoints of the audit log's head the server stored (--json: with each JWS)",
  args: [],
  synopsis: '',
  options: {},
  async run(context) {
    const admin = context.admin();
    const items: AuditCheckpoint[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.listAuditCheckpoints(cursor === undefined ? { limit: 500 } : { limit: 500, cursor });
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== undefined);
    context.io.stdout(context.json ? renderJson({ items }) : renderTable(CHECKPOINT_COLUMNS, items));
    return EXIT_OK;
  },
};
