import type { Config } from '../../config/config.js';

/**
 * Who decides that a DPoP proof is used once (RFC 9449 §11.1) at this server:
 *
 * - `'database'` when another process can issue tokens from the same store — PostgreSQL (several
 *   nodes) or `--workers N` on SQLite: each proof is also claimed in the token's group commit, a
 *   conditional insert every process sees (the in-process cache and Redis only refuse earlier);
 * - `'process'` for one process on SQLite, which sees every token request: its in-process record
 *   of proofs is exact, so it is the authority, and never forgets a live proof (a full record
 *   refuses requests instead). Live proofs are handed over through the database at a clean
 *   shutdown and taken back at start; after a crash the next process starts without them
 *   (docs/oauth.md says what that allows).
 *
 * Why one process writes no durable claim: on SQLite it cost ~17 µs of the commit thread per proof
 * (a page of the replay index written per claim: the proofs of one second scatter over its range),
 * a quarter of what a DPoP-bound token cost over a plain one (bench/README.md), to check nothing
 * the process's own record does not check exactly. Two servers started separately on one SQLite
 * data directory are not a deployment (`--workers N` is): each would decide alone.
 *
 * Client assertions keep their durable claim everywhere: the one gap of a process's own record is
 * a crash, and an assertion replayed after one would buy a token on its own, where a proof buys a
 * token bound to a key the replayer does not hold, and only alongside a client authentication.
 */
export function dpopSingleUseAuthority(config: Pick<Config, 'databaseUrl' | 'workers'>): 'database' | 'process' {
  return config.databaseUrl === undefined && config.workers === 1 ? 'process' : 'database';
}
