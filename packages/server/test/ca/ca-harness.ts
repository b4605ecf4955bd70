import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCommitLog } from '../../src/audit/group-commit.js';
import { CertificateAuthority, type CertificateAuthorityDeps } from '../../src/ca/certificate-authority.js';
import { FrozenClock } from '../../src/clock.js';
import { cryptoRandom } from '../../src/random.js';
import { RevocationEvents, type RevocationEvent } from '../../src/events/revocation-events.js';
import { openStore } from '../../src/store/sql/open-store.js';
import type { CaStore } from '../../src/store/ports/ca-store.js';
import type { Store } from '../../src/store/store.js';
import type { AuditRecord } from '../../src/store/records.js';
import { newAgent } from '../store/fixtures.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

export const ISSUER = 'https://auth.example.com';
export const TRUST_DOMAIN = 'auth.example.com';
export const MASTER_KEY = Buffer.alloc(32, 9);

/** Runs openssl; returns stdout, or throws with stderr. */
export function openssl(args: readonly string[], options: { cwd?: string; input?: string } = {}): string {
  return execFileSync('openssl', args, { cwd: options.cwd, input: options.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Like {@link openssl} but returns stdout+stderr and the exit status instead of throwing. */
export function opensslStatus(args: readonly string[], cwd: string): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

export interface CaHarness {
  ca: CertificateAuthority;
  store: Store;
  caStore: CaStore;
  clock: FrozenClock;
  dir: string;
  events: RevocationEvent[];
  bus: RevocationEvents;
  /** A second CA node on the same database (rotation coordination). */
  node(): CertificateAuthority;
  /** Creates an active agent and returns its id. */
  agent(labels?: Record<string, string>): Promise<string>;
  /** Writes `content` into the temp dir and returns the file name. */
  file(name: string, content: string | Buffer): Promise<string>;
  /** An openssl-made key and CSR (PEM) in the temp dir; `args` go to `openssl req`. */
  csr(name: string, keyArgs: readonly string[], reqArgs?: readonly string[]): string;
  auditEvents(): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

let counter = 0;

export async function startCaHarness(backend: 'sqlite' | 'postgres' = 'sqlite', overrides: Partial<CertificateAuthorityDeps> = {}, startMs = Date.UTC(2026, 0, 1)): Promise<CaHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'agentauth-ca-'));
  const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  const logger = pino({ level: 'silent' });
  const store = await openStore({ databaseUrl: database?.url, dataDir: dir, migrate: true, logger });
  const audit = createCommitLog({ store, flushIntervalMs: 0, logger });
  const clock = new FrozenClock(startMs);
  const caStore: CaStore = store;
  const bus = new RevocationEvents();
  const events: RevocationEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const make = () =>
    new CertificateAuthority({
      store: caStore,
      agents: store,
      masterKey: MASTER_KEY,
      clock,
      random: cryptoRandom,
      commitLog: audit,
      events: bus,
      logger,
      issuer: ISSUER,
      trustDomain: TRUST_DOMAIN,
      certificateTtl: 3600,
      intermediateTtl: 30 * 86_400,
      ...overrides,
    });
  const ca = make();
  await ca.sync();
  return {
    ca,
    store,
    caStore,
    clock,
    dir,
    events,
    bus,
    node: make,
    async agent(labels = {}) {
      const id = `agt_ca${++counter}${Math.random().toString(36).slice(2, 8)}`;
      await store.createAgent(newAgent(id, { labels }), [], clock.now());
      return id;
    },
    async file(name, content) {
      await writeFile(join(dir, name), content);
      return name;
    },
    csr(name, keyArgs, reqArgs = []) {
      openssl(['genpkey', ...keyArgs, '-out', `${name}.key`], { cwd: dir });
      return openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/CN=ignored', ...reqArgs], { cwd: dir });
    },
    async auditEvents() {
      return (await store.queryAudit({}, { limit: 1000 })).items;
    },
    async close() {
      await audit.close();
      await store.close();
      await database?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const P256 = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
