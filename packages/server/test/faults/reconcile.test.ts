import { describe, expect, it } from 'vitest';
import type { AgentRecord, AuditRecord, SigningKeyRecord } from '../../src/store/records.js';
import type { CaAuthorityRecord } from '../../src/store/ports/ca-store.js';
import { T0, signingKey } from '../store/fixtures.js';
import { agentAndRevocationPairingProblems, caPairingProblems, keyPairingProblems } from './support/reconcile.js';

let seq = 0;
function record(event: AuditRecord['event'], details: Record<string, unknown>): AuditRecord {
  seq++;
  return { seq, time: T0, event, outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details, prevHash: '', hash: String(seq) };
}

function authority(id: string, over: Partial<CaAuthorityRecord> = {}): CaAuthorityRecord {
  return { id, kind: 'intermediate', state: 'active', certificate: 'MIIB', encryptedPrivateKey: 'sealed', parentId: 'root', external: false, createdAt: T0, activatedAt: T0, notAfter: T0 + 86_400_000, ...over };
}

/** The reconciler is what the fault tests stand on: it must see each kind of unpaired change. */
describe('fault reconciler: state and audit pairing', () => {
  it('finds a key changed without its record, and a record whose change is missing', () => {
    const active: SigningKeyRecord = signingKey('k-active', { state: 'active', activatedAt: T0 + 10 });
    const old: SigningKeyRecord = signingKey('k-old', { state: 'old', activatedAt: T0, retiredAt: T0 + 10, expiresAt: T0 + 100 });
    const paired = [record('signing_key.created', { kid: 'k-old' }), record('signing_key.created', { kid: 'k-active' }), record('signing_key.rotated', { kid: 'k-active' }), record('signing_key.retired', { kid: 'k-old' })];
    expect(keyPairingProblems({ keys: [active, old], audit: paired })).toEqual([]);

    expect(keyPairingProblems({ keys: [active, old], audit: paired.filter((r) => r.event !== 'signing_key.rotated') })).toEqual(['signing key k-active was activated without a signing_key.rotated record']);
    expect(keyPairingProblems({ keys: [old], audit: paired })).toEqual(['signing_key.created names k-active, which does not exist', 'signing_key.rotated names k-active, which was never activated']);
    expect(keyPairingProblems({ keys: [active, { ...old, state: 'active' }], audit: paired })).toEqual(['signing_key.retired names k-old, which is not old']);
  });

  it('finds a CA activated without ca.rotated, and a ca.* record whose CA is missing', () => {
    const root = authority('root', { kind: 'root', parentId: null });
    const next = authority('next', { createdAt: T0, activatedAt: T0 + 10 });
    const paired = [record('ca.created', { ca_id: 'root', kind: 'root' }), record('ca.created', { ca_id: 'next', kind: 'intermediate' }), record('ca.rotated', { ca_id: 'next', kind: 'intermediate' })];
    expect(caPairingProblems({ authorities: [root, next], audit: paired })).toEqual([]);
    expect(caPairingProblems({ authorities: [root, next], audit: paired.slice(0, 2) })).toEqual(['issuing CA next was activated without a ca.rotated record']);
    expect(caPairingProblems({ authorities: [root], audit: paired })).toEqual(['ca.created names next, which does not exist', 'ca.rotated names next, which was never activated']);
    expect(caPairingProblems({ authorities: [root, next], audit: paired.slice(1) })).toEqual(['CA root root (active) has no ca.created or ca.imported record']);
  });

  it('finds an agent or a revocation without its record, and a record without its agent or revocation', () => {
    const agent = { id: 'agt_a' } as AgentRecord;
    const revoked = { jti: 'j1', agentId: 'agt_a', revokedAt: T0, expiresAt: T0 + 1 };
    const registered = { ...record('agent.registered', {}), agentId: 'agt_a' };
    const revocation = record('access_token.revoked', { jti: 'j1', revoked: true });
    expect(agentAndRevocationPairingProblems({ agents: [agent], revoked: [revoked], audit: [registered, revocation] })).toEqual([]);
    expect(agentAndRevocationPairingProblems({ agents: [agent], revoked: [revoked], audit: [] })).toEqual(['agent agt_a has no agent.registered record', 'token j1 is revoked without an access_token.revoked record']);
    expect(agentAndRevocationPairingProblems({ agents: [], revoked: [], audit: [registered, revocation] })).toEqual(['agent.registered names agt_a, which does not exist', 'access_token.revoked names j1, which is not revoked']);
    // A deleted agent is gone with its record of deletion; a refused revocation revokes nothing.
    const gone = { ...record('agent.deleted', {}), agentId: 'agt_a' };
    expect(agentAndRevocationPairingProblems({ agents: [], revoked: [], audit: [registered, gone, record('access_token.revoked', { revoked: false })] })).toEqual([]);
  });
});

