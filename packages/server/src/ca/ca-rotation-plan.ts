import type { AuthorityChanges, CaAuthorityRecord } from '../store/ports/ca-store.js';

/** When an issuing CA is replaced, as fractions of its lifetime (SPIRE's defaults). */
export interface CaRotationPolicy {
  /** A `prepared` successor is made once the active CA is this far into its life. */
  readonly prepareAt: number;
  /** The successor becomes `active` once the active CA is this far into its life. */
  readonly activateAt: number;
}

export const DEFAULT_CA_ROTATION: CaRotationPolicy = Object.freeze({ prepareAt: 1 / 2, activateAt: 5 / 6 });

/** `sync`: apply what is due. `rotate`: activate a successor now (an operator's `ca rotate`). */
export type CaRotationMode = 'sync' | 'rotate';

export type CaEventName = 'ca.created' | 'ca.rotated';

/** Fresh CAs the plan may place; an intermediate candidate names the root that signed it. */
export interface CaCandidates {
  root?: CaAuthorityRecord;
  intermediate?: CaAuthorityRecord;
}

/**
 * What to write, decided under the `ca` lock from the rows as they are now; the CA turns `events`
 * into the change's audit records, written with it.
 */
export interface CaPlan extends Omit<AuthorityChanges, 'audit'> {
  events: { event: CaEventName; id: string; kind: 'root' | 'intermediate' }[];
  /** Nothing is written: make these candidates (an intermediate signed by `parentId`) and plan again. */
  need?: { root: boolean; parentId: string | null };
  /** A transition is due but cannot be made (an imported root without its key): operator action. */
  blocked?: string;
}

const newest = (rows: CaAuthorityRecord[]) => [...rows].sort((a, b) => (b.activatedAt ?? b.createdAt) - (a.activatedAt ?? a.createdAt));

/**
 * Decides the hierarchy transitions due at `now` (pure, so every node runs it under the lock on the
 * rows as they are, and tests run it with any clock):
 *
 * - no active root: a new root and a new active issuing CA (first start);
 * - no active issuing CA: the prepared one is promoted, or a new one made;
 * - the active issuing CA past `prepareAt` of its life gets a prepared successor, and past
 *   `activateAt` (or on `rotate`) the successor becomes active and the old one `old`: old CAs stay
 *   in the bundle and keep their CRLs until they expire, since certificates they issued never
 *   outlive them;
 * - expired CAs are removed, and so are old roots no live issuing CA hangs under.
 */
export function planCaRotation(current: readonly CaAuthorityRecord[], now: number, policy: CaRotationPolicy, mode: CaRotationMode, candidates: CaCandidates): CaPlan {
  const plan: CaPlan = { insert: [], update: [], remove: [], events: [] };
  const live = current.filter((row) => row.notAfter >= now);
  plan.remove.push(...current.filter((row) => row.notAfter < now).map((row) => row.id));

  const roots = newest(live.filter((row) => row.kind === 'root' && row.state === 'active'));
  const [root, ...extraRoots] = roots;
  const intermediates = live.filter((row) => row.kind === 'intermediate');
  const actives = newest(intermediates.filter((row) => row.state === 'active'));
  const [active, ...extraActives] = actives;
  const prepared = newest(intermediates.filter((row) => row.state === 'prepared')).reverse()[0];
  const retire = (row: CaAuthorityRecord) => plan.update.push({ ...row, state: 'old' });
  extraRoots.forEach(retire);
  extraActives.forEach(retire);

  if (root === undefined) {
    if (candidates.root === undefined || candidates.intermediate?.parentId !== candidates.root.id) return { insert: [], update: [], remove: [], events: [], need: { root: true, parentId: null } };
    plan.insert.push({ ...candidates.root, state: 'active', createdAt: now, activatedAt: now });
    plan.insert.push({ ...candidates.intermediate, state: 'active', createdAt: now, activatedAt: now });
    plan.events.push({ event: 'ca.created', id: candidates.root.id, kind: 'root' }, { event: 'ca.created', id: candidates.intermediate.id, kind: 'intermediate' });
    for (const row of [active, prepared]) if (row !== undefined) retire(row);
    return finish(plan, live, now);
  }

  const start = active === undefined ? now : (active.activatedAt ?? active.createdAt);
  const life = active === undefined ? 0 : Math.max(1, active.notAfter - start);
  const elapsed = active === undefined ? 1 : (now - start) / life;
  const promoteDue = active === undefined || mode === 'rotate' || elapsed >= policy.activateAt;
  const prepareDue = !promoteDue && elapsed >= policy.prepareAt && prepared === undefined;

  if (promoteDue && prepared !== undefined) {
    plan.update.push({ ...prepared, state: 'active', activatedAt: now });
    plan.events.push({ event: 'ca.rotated', id: prepared.id, kind: 'intermediate' });
    if (active !== undefined) retire(active);
    return finish(plan, live, now);
  }
  if (promoteDue || prepareDue) {
    if (root.encryptedPrivateKey === null) {
      plan.blocked = `the issuing CA ${active?.id ?? '(none)'} needs a successor, but the root ${root.id} was imported without its key: import a new issuing CA`;
      return finish(plan, live, now);
    }
    if (candidates.intermediate === undefined || candidates.intermediate.parentId !== root.id) return { insert: [], update: [], remove: [], events: [], need: { root: false, parentId: root.id } };
    const state = promoteDue ? 'active' : 'prepared';
    plan.insert.push({ ...candidates.intermediate, state, createdAt: now, activatedAt: promoteDue ? now : null });
    plan.events.push({ event: 'ca.created', id: candidates.intermediate.id, kind: 'intermediate' });
    if (promoteDue) {
      plan.events.push({ event: 'ca.rotated', id: candidates.intermediate.id, kind: 'intermediate' });
      if (active !== undefined) retire(active);
    }
  }
  return finish(plan, live, now);
}

/** Removes old roots that no live issuing CA hangs under any more. */
function finish(plan: CaPlan, live: readonly CaAuthorityRecord[], now: number): CaPlan {
  const after = [...live.filter((row) => !plan.update.some((u) => u.id === row.id)), ...plan.update, ...plan.insert];
  for (const row of after) {
    if (row.kind !== 'root' || row.state === 'active' || row.notAfter < now) continue;
    if (!after.some((child) => child.kind === 'intermediate' && child.parentId === row.id)) {
      plan.remove.push(row.id);
      plan.update = plan.update.filter((u) => u.id !== row.id);
    }
  }
  return plan;
}

/**
 * An operator import (docs/ca.md, "Import"): the imported root (or the external root of an imported
 * issuing CA) and its issuing CA become active at once; the CAs they replace become `old` (they stay
 * in the bundle while their certificates live), and a prepared CA that never issued is dropped.
 * Importing a CA that is already stored only re-activates it.
 */
export function planCaImport(current: readonly CaAuthorityRecord[], now: number, root: CaAuthorityRecord, intermediate: CaAuthorityRecord): CaPlan {
  const plan: CaPlan = { insert: [], update: [], remove: [], events: [] };
  const live = current.filter((row) => row.notAfter >= now);
  plan.remove.push(...current.filter((row) => row.notAfter < now).map((row) => row.id));
  for (const row of [root, intermediate]) {
    const existing = live.find((r) => r.id === row.id);
    const next = { ...row, state: 'active' as const, createdAt: existing?.createdAt ?? now, activatedAt: now };
    // A root stored before keeps its key if the import brings none (an intermediate import).
    if (existing !== undefined) plan.update.push({ ...next, encryptedPrivateKey: next.encryptedPrivateKey ?? existing.encryptedPrivateKey });
    else plan.insert.push(next);
  }
  for (const row of live) {
    if (row.id === root.id || row.id === intermediate.id) continue;
    if (row.state === 'prepared') plan.remove.push(row.id);
    else if (row.state === 'active') plan.update.push({ ...row, state: 'old' });
  }
  return finish(plan, live, now);
}
