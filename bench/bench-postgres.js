// A PostgreSQL database of the bench's own, created for one scenario and dropped however the
// bench ends, so a run never touches (or leaves behind) anyone else's data.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the bench uses: BENCH_POSTGRES_URL, else the one the tests use. */
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? process.env.AGENTAUTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const created = new Set();

/** Creates `agentauth_bench_<random>`; resolves to its URL, a `query(text, values)` on it, and `drop()`. */
export async function createBenchDatabase() {
  const name = `agentauth_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  created.add(name);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    name,
    url: url.toString(),
    query: (text, values) => client.query(text, values),
    async drop() {
      await client.end().catch(() => {});
      await dropDatabase(name);
    },
  };
}

/** Drops every bench database still there (after a failure or an interruption). */
export async function dropBenchDatabases() {
  for (const name of [...created]) await dropDatabase(name).catch(() => {});
}

async function dropDatabase(name) {
  if (!created.has(name)) return;
  created.delete(name);
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function adminQuery(text) {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (set BENCH_POSTGRES_URL): ${error.message}`);
  }
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}
