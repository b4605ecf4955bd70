import type { KeySlot } from '../key-slot.js';
import type { SigningKeyRecord } from '../store/records.js';

/** Timings of the key slots, in milliseconds. */
export interface RotationPolicy {
  /** How long a key signs before it is replaced. */
  readonly rotationIntervalMs: number;
  /** How long a `prepared` key must have been published before it may sign. */
  readonly prePublishMs: number;
  /** How long an `old` key stays published after it was retired. */
  readonly retiredGraceMs: number;
}

/**
 * `sync`: apply what is due. `rotate`: activate the prepared key now, unless resource servers may not
 * have it yet. `force`: activate now regardless (a suspected key compromise).
 */
export type RotationMode = 'sync' | 'rotate' | 'force';

/** A generated key, sealed and ready to insert; the plan decides its slot and times. */
export type SigningKeyCandidate = Pick<SigningKeyRecord, 'kid' | 'alg' | 'publicJwk' | 'encryptedPrivateKey'>;

export type KeyEventName = 'signing_key.created' | 'signing_key.rotated' | 'signing_key.retired';

/** What to write, decided under the store's lock from the keys as they are now. */
export interface RotationPlan {
  insert: SigningKeyRecord[];
  update: SigningKeyRecord[];
  remove: string[];
  events: { event: KeyEventName; kid: string }[];
  /** In `rotate` mode: the prepared key is too fresh; when it may sign (ms). Nothing else is written. */
  tooSoonUntil?: number;
  /** More candidates are needed than were given: nothing is written; generate this many and retry. */
  needCandidates?: number;
}

/** A key stays published up to and including its `expiresAt` instant (records.ts, the SQL store). */
export function isLive(key: { expiresAt: number | null }, now: number): boolean {
  return key.expiresAt === null || key.expiresAt >= now;
}

interface Decision {
  retire: SigningKeyRecord[];
  /** The key that starts signing: the current `prepared` one, or a new key. */
  activate: SigningKeyRecord | 'new' | undefined;
  /** Make a new `prepared` key. */
  prepare: boolean;
  remove: string[];
  tooSoonUntil?: number;
}

function decide(current: readonly SigningKeyRecord[], now: number, policy: RotationPolicy, mode: RotationMode): Decision {
  const live = current.filter((key) => isLive(key, now));
  const remove = current.filter((key) => !live.includes(key)).map((key) => key.kid);
  const actives = live.filter((key) => key.state === 'active').sort((a, b) => (b.activatedAt ?? 0) - (a.activatedAt ?? 0));
  const [active, ...extraActives] = actives;
  const [prepared, ...extraPrepared] = live.filter((key) => key.state === 'prepared').sort((a, b) => a.createdAt - b.createdAt);
  // Two active keys can only come from a broken write; keep the newest. A surplus `prepared` key
  // has signed nothing, so dropping it is safe; keeping the oldest keeps the longest publication.
  const retire = [...extraActives];
  remove.push(...extraPrepared.map((key) => key.kid));

  if (active === undefined) {
    // No signer at all (first start, or the active row was lost): sign with what is published.
    return { retire, activate: prepared ?? 'new', prepare: true, remove };
  }
  const preparedReadyAt = prepared === undefined ? undefined : prepared.createdAt + policy.prePublishMs;
  const preparedReady = preparedReadyAt !== undefined && preparedReadyAt <= now;
  const rotationDue = (active.activatedAt ?? active.createdAt) + policy.rotationIntervalMs <= now;

  if (mode === 'force' || (mode === 'rotate' && preparedReady) || (mode === 'sync' && rotationDue && preparedReady)) {
    return { retire: [...retire, active], activate: prepared ?? 'new', prepare: true, remove };
  }
  if (mode === 'rotate') {
    // Without a published `prepared` key there is nothing safe to activate; one is made below.
    return { retire, activate: undefined, prepare: prepared === undefined, remove, tooSoonUntil: preparedReadyAt ?? now + policy.prePublishMs };
  }
  return { retire, activate: undefined, prepare: prepared === undefined, remove };
}

/**
 * Decides the slot transitions ({@link KeySlot}) due at `now`: pure, so the store can run it under
 * its lock and tests can run it with any clock.
 *
 * - An empty set gets an `active` and a `prepared` key.
 * - The `prepared` key is activated when the active one is older than the rotation interval and the
 *   `prepared` one has been published for at least the pre-publication window (`rotate`: regardless
 *   of age; `force`: regardless of both); the active key is retired to `old`, and a new key prepared.
 * - An `old` key expires `retiredGraceMs` after it was retired and is removed.
 */
export function planRotation(
  current: readonly SigningKeyRecord[],
  now: number,
  policy: RotationPolicy,
  mode: RotationMode,
  candidates: readonly SigningKeyCandidate[],
): RotationPlan {
  const decision = decide(current, now, policy, mode);
  const needed = (decision.activate === 'new' ? 1 : 0) + (decision.prepare ? 1 : 0);
  if (needed > candidates.length) return { insert: [], update: [], remove: [], events: [], needCandidates: needed };

  const plan: RotationPlan = { insert: [], update: [], remove: decision.remove, events: [] };
  if (decision.tooSoonUntil !== undefined) plan.tooSoonUntil = decision.tooSoonUntil;
  const fresh = [...candidates];
  const make = (state: Exclude<KeySlot, 'old'>): SigningKeyRecord => {
    const candidate = fresh.shift() as SigningKeyCandidate;
    const record: SigningKeyRecord = {
      ...candidate,
      state,
      createdAt: now,
      activatedAt: state === 'active' ? now : null,
      retiredAt: null,
      expiresAt: null,
    };
    plan.insert.push(record);
    plan.events.push({ event: 'signing_key.created', kid: record.kid });
    return record;
  };

  for (const key of decision.retire) {
    plan.update.push({ ...key, state: 'old', retiredAt: now, expiresAt: now + policy.retiredGraceMs });
    plan.events.push({ event: 'signing_key.retired', kid: key.kid });
  }
  const hadActive = decision.retire.some((key) => key.state === 'active');
  if (decision.activate === 'new') {
    const record = make('active');
    if (hadActive) plan.events.push({ event: 'signing_key.rotated', kid: record.kid });
  } else if (decision.activate !== undefined) {
    plan.update.push({ ...decision.activate, state: 'active', activatedAt: now });
    plan.events.push({ event: 'signing_key.rotated', kid: decision.activate.kid });
  }
  if (decision.prepare) make('prepared');
  return plan;
}
