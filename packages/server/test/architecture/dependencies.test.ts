import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileCycles, folderCycles, folderOf, ruleViolations, type DependencyRules } from './dependency-rules.js';
import { readImportGraph, type FileImports, type ImportGraph } from './import-graph.js';

/**
 * ARCHITECTURE.md, "Tiers and the one-way rule", as data. From the top: the package entries,
 * the composition root, the HTTP surfaces, the admin API's wire formats beside the SQL adapter,
 * then the domain folders in the order their imports run (each layer imports only layers below
 * it), the store ports, and, named in no layer, the libraries (clock, random, key-slot, der, net,
 * config, events, ...).
 */
const RULES: DependencyRules = {
  layers: [
    ['bin', 'index', 'admin-api'],
    ['main'],
    ['http'],
    ['admin', 'store/sql'],
    // Imported keys reuse the managed keys' digest comparison and usage bound; anomalies answer
    // through the approvals' signed webhook delivery and the signals transmitter.
    ['imported-keys', 'anomalies'],
    ['enrollment', 'signals', 'ca', 'federation', 'audit-checkpoint', 'siem', 'people', 'api-keys', 'approvals', 'key-migration', 'token-stats'],
    // The key cut-over is checked at the doors of managed and imported keys, and notified by signals.
    ['oauth', 'authzen', 'key-cutover'],
    // What the server counts (docs/monitoring.md): the protocol core and the HTTP layer record into it.
    ['metrics'],
    // node-agreement: what the nodes sharing a database must agree on (master key, issuer), checked at start.
    ['agents', 'limits', 'keys', 'node-agreement'],
    ['policy'],
    ['audit', 'tokens', 'jwt'],
    ['store'],
  ],
  onlyImportedBy: { main: ['bin', 'index'], 'store/sql': ['main'] },
  // The protocol core and every domain folder are framework-free; the server never depends on the
  // packages that depend on it (ARCHITECTURE.md, Packages).
  // The OpenTelemetry SDK is loaded by tracing/ alone, and only when tracing is on; the rest of
  // the server speaks to the no-op-by-default API (docs/monitoring.md, "Traces").
  packagesOnlyIn: {
    'prom-client': ['metrics'],
    fastify: ['http', 'main'],
    '@fastify': ['http', 'main'],
    '@agentauth/cli': [],
    '@agentauth/client': [],
    '@agentauth/server': [],
    '@opentelemetry/sdk-trace-node': ['tracing'],
    '@opentelemetry/sdk-trace-base': ['tracing'],
    '@opentelemetry/exporter-trace-otlp-http': ['tracing'],
    '@opentelemetry/resources': ['tracing'],
    '@opentelemetry/core': ['tracing'],
  },
};

/** The bottom: they import no layer (libraries may import each other, without a folder cycle). */
const LIBRARIES = ['clock', 'poll-for-change', 'random', 'key-slot', 'optional-redis', 'fan-out', 'private-directory', 'bootstrap-token', 'data-dir-lock', 'cluster-notice', 'der', 'net', 'config', 'events', 'tracing'];

const SOURCE = fileURLToPath(new URL('../../src/', import.meta.url));

describe('the server follows the one-way rule (ARCHITECTURE.md, "Tiers and the one-way rule")', () => {
  const graph = readImportGraph(SOURCE);

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('main/wire-http.ts')?.files).toContain('http/public-app.ts');
  });

  it('has no import cycle between files', () => {
    expect(fileCycles(graph).map((cycle) => cycle.join(' <-> '))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(folderCycles(graph).map((cycle) => cycle.join(' <-> '))).toEqual([]);
  });

  it('has no upward arrow, store/sql only under main, fastify only in http and main, no package above the server', () => {
    expect(ruleViolations(graph, RULES)).toEqual([]);
  });

  it('places every folder: in a layer, or among the libraries', () => {
    const placed = new Set([...RULES.layers.flat(), ...LIBRARIES]);
    const unplaced = [...new Set([...graph.keys()].map(folderOf))].filter((folder) => !placed.has(folder));
    expect(unplaced, 'a new folder: name it in a layer of RULES, or in LIBRARIES if it imports no layer').toEqual([]);
  });
});

describe('the checker itself fails on a broken graph', () => {
  const file = (files: string[], packages: string[] = []): FileImports => ({ files, packages });
  const synthetic: ImportGraph = new Map([
    ['oauth/a.ts', file(['oauth/b.ts', 'clock.ts'], ['fastify', '@agentauth/cli/commands'])],
    ['oauth/b.ts', file(['oauth/a.ts', 'http/route.ts'])],
    ['http/route.ts', file(['oauth/a.ts', 'store/sql/open.ts'])],
    ['store/sql/open.ts', file(['store/port.ts'])],
    ['store/port.ts', file([])],
    ['clock.ts', file([])],
  ]);
  const rules: DependencyRules = {
    layers: [['http'], ['oauth'], ['store']],
    onlyImportedBy: { 'store/sql': ['main'] },
    packagesOnlyIn: { fastify: ['http'], '@agentauth/cli': [] },
  };

  it('reports a file cycle as its files', () => {
    expect(fileCycles(synthetic)).toEqual([['http/route.ts', 'oauth/a.ts', 'oauth/b.ts']]);
  });

  it('reports a folder cycle as its folders', () => {
    expect(folderCycles(synthetic)).toEqual([['http', 'oauth']]);
  });

  it('names the files of an upward arrow, a forbidden importer and a forbidden package', () => {
    expect(ruleViolations(synthetic, rules)).toEqual([
      'http/route.ts -> store/sql/open.ts: only main may import store/sql',
      'oauth/a.ts -> @agentauth/cli/commands: nothing here may import @agentauth/cli',
      'oauth/a.ts -> fastify: only http may import fastify',
      'oauth/b.ts -> http/route.ts: oauth (layer 2) may not import http (layer 1)',
      'store/sql/open.ts -> store/port.ts: store/sql (a library) may not import store (layer 3)',
    ]);
  });

  it('refuses peers of one layer importing each other', () => {
    const peers: ImportGraph = new Map([
      ['ca/x.ts', file(['signals/y.ts'])],
      ['signals/y.ts', file([])],
    ]);
    expect(ruleViolations(peers, { layers: [['ca', 'signals']], onlyImportedBy: {}, packagesOnlyIn: {} })).toEqual([
      'ca/x.ts -> signals/y.ts: ca (layer 1) may not import signals (layer 1)',
    ]);
  });
});
