import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { AuditInput, SigningKeyRecord } from '../store/records.js';
import type { SigningKeyStore } from '../store/ports/signing-key-store.js';
import { MAX_ACCESS_TOKEN_TTL } from '../tokens/limits.js';
import { generateSigningKey, publicSigningJwk } from './generate-signing-key.js';
import { isLive, planRotation, type KeyEventName, type RotationMode, type RotationPlan, type RotationPolicy, type SigningKeyCandidate } from './rotation-plan.js';
import { RotationTooSoonError } from './rotation-too-soon-error.js';
import { openBox, sealBox } from './sealed-box.js';
import type { SigningKeyRing } from './signing-key-ring.js';
import type { TokenSigner } from '../tokens/token-signer.js';
import { MAX_KEY_SYNC_INTERVAL_MS } from './start-key-rotation.js';
import { createTokenSigner } from './token-signer.js';

/**
 * A `prepared` key is published at least this long (seconds) before it signs, even with very short
 * token lifetimes: resource servers cache the JWKS for minutes.
 */
export const MIN_PRE_PUBLICATION = 300;

/**
 * Margin (seconds) an `old` key stays published beyond the longest token lifetime: clock skew
 * between nodes, and a node that still signs with the retired key until its next sync.
 */
export const RETIRED_KEY_SKEW = MAX_KEY_SYNC_INTERVAL_MS / 1000;

/** How many times a rotation is re-planned when another node changed the keys meanwhile. */
const MAX_PLAN_ATTEMPTS = 3;

/** The associated data a signing key is sealed with: its `kid`, so a key moved onto another row no longer opens. */
export const signingKeyAad = (kid: string): string => kid;

export interface SigningKeyRingDeps {
  store: SigningKeyStore;
  /** 32 bytes; private keys are sealed under it (AES-256-GCM). */
  masterKey: Buffer;
  clock: Clock;
  /** Algorithm of keys created from now on; existing keys keep theirs until they rotate out. */
  alg: SigningAlg;
  /** Seconds a key signs before it is replaced. */
  rotationInterval: number;
  /** Default access token lifetime, seconds; sets the pre-publication window. */
  accessTokenTtl: number;
  logger: { info(msg: string): void; warn(msg: string): void };
  /** Called after this process committed a change to the keys (a rotation, a retirement, a removal), once reloaded; other nodes' changes are not reported. */
  onChanged?: () => void;
}

/** Our extension of `SigningKeyRing.rotateNow`. */
export interface RotateOptions {
  /**
   * Activate the prepared key even if resource servers may not have fetched it yet (tokens it signs
   * will fail at them until they refresh their JWKS). For a suspected key compromise.
   */
  force?: boolean;
}

export interface RotatingSigningKeyRing extends SigningKeyRing {
  /** @throws {RotationTooSoonError} without `force`, when the prepared key is not published long enough. */
  rotateNow(options?: RotateOptions): Promise<void>;
}

interface PublishedKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly jwk: JWK;
  readonly key: KeyObject;
  readonly expiresAt: number | null;
}

/** The public members we publish; anything else in a stored JWK (never a private one) is dropped. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'use', 'alg', 'kid'] as const;

function publicOnly(record: SigningKeyRecord): JWK {
  const jwk: JWK = {};
  for (const name of PUBLIC_MEMBERS) if (record.publicJwk[name] !== undefined) jwk[name] = record.publicJwk[name];
  return Object.freeze({ ...jwk, use: 'sig', alg: record.alg, kid: record.kid });
}

/**
 * The audit record of one key transition (docs/events.md, `signing_key.*`). It is part of the
 * transition's write, so the key never changes unrecorded and no record names a change that did not
 * happen.
 */
function transitionRecord(event: KeyEventName, kid: string, now: number): AuditInput {
  return { time: now, event, outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details: { kid } };
}

function checkDeps(deps: SigningKeyRingDeps): void {
  if (!Buffer.isBuffer(deps.masterKey) || deps.masterKey.length !== 32) throw new TypeError('masterKey must be 32 bytes');
  if (!SIGNING_ALGS.includes(deps.alg)) throw new TypeError(`unsupported signing algorithm: ${String(deps.alg)}`);
  if (!Number.isInteger(deps.rotationInterval) || deps.rotationInterval <= 0) throw new TypeError('rotationInterval must be a positive integer (seconds)');
  if (!Number.isInteger(deps.accessTokenTtl) || deps.accessTokenTtl <= 0 || deps.accessTokenTtl > MAX_ACCESS_TOKEN_TTL) {
    throw new TypeError(`accessTokenTtl must be an integer in (0, ${MAX_ACCESS_TOKEN_TTL}] seconds`);
  }
}

/**
 * The server's signing keys (RFC 7517 JWK Set with key rollover), in the slots of `KeySlot`
 * (key-slot.ts): `prepared` (published, signs nothing), `active` (signs), `old` (published until
 * every token it signed has expired: retirement + {@link MAX_ACCESS_TOKEN_TTL} +
 * {@link RETIRED_KEY_SKEW}).
 *
 * Every transition is planned inside `store.mutateSigningKeys`, under the store's lock, from the
 * keys as they are at that moment, so nodes rotating at once agree on one JWKS; its audit records
 * (`signing_key.created`, `.rotated`, `.retired`) are written in the same transaction, so a failed
 * audit write leaves the keys as they were and the call throws. Nothing runs until
 * `sync()` is called; the composition root calls it at start and through `startKeyRotation`, at
 * most every {@link MAX_KEY_SYNC_INTERVAL_MS}, or a node could keep signing with a key already gone
 * from the JWKS.
 *
 * Private keys are stored sealed under the master key with their `kid` as associated data; only the
 * active key is decrypted, once, into a KeyObject.
 */
export function createSigningKeyRing(deps: SigningKeyRingDeps): RotatingSigningKeyRing {
  checkDeps(deps);
  const { store, masterKey, clock, logger } = deps;
  const policy: RotationPolicy = {
    rotationIntervalMs: deps.rotationInterval * 1000,
    prePublishMs: Math.max(deps.accessTokenTtl, MIN_PRE_PUBLICATION) * 1000,
    retiredGraceMs: (MAX_ACCESS_TOKEN_TTL + RETIRED_KEY_SKEW) * 1000,
  };

  let current: TokenSigner | undefined;
  let published = new Map<string, PublishedKey>();
  const signers = new Map<string, TokenSigner>();
  // One transition at a time per process; across processes, the store's lock decides.
  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  async function signerFor(record: SigningKeyRecord): Promise<TokenSigner> {
    const cached = signers.get(record.kid);
    if (cached !== undefined) return cached;
    const der = openBox(masterKey, signingKeyAad(record.kid), record.encryptedPrivateKey);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
    // The kid is the public key's thumbprint: a private key that does not match it would sign
    // tokens that no JWKS can verify.
    const { kid } = await publicSigningJwk(record.alg, createPublicKey(privateKey));
    if (kid !== record.kid) throw new Error(`signing key ${record.kid} does not match its kid`);
    const signer = createTokenSigner(record.kid, record.alg, privateKey);
    signers.set(record.kid, signer);
    return signer;
  }

  async function load(records: readonly SigningKeyRecord[]): Promise<void> {
    const now = clock.now();
    const live = records.filter((key) => isLive(key, now) && SIGNING_ALGS.includes(key.alg));
    const active = live.filter((key) => key.state === 'active').sort((a, b) => (b.activatedAt ?? 0) - (a.activatedAt ?? 0))[0];
    const nextSigner = active === undefined ? undefined : await signerFor(active);
    const nextPublished = new Map<string, PublishedKey>();
    for (const record of live) {
      const previous = published.get(record.kid);
      if (previous === undefined && (await calculateJwkThumbprint(publicOnly(record), 'sha256')) !== record.kid) {
        // Never publish a key under a kid that is not its own: tokens would fail everywhere.
        throw new Error(`signing key ${record.kid} does not match its kid`);
      }
      const key = previous?.key ?? createPublicKey({ key: record.publicJwk as JsonWebKey, format: 'jwk' });
      nextPublished.set(record.kid, { kid: record.kid, alg: record.alg, jwk: publicOnly(record), key, expiresAt: record.expiresAt });
    }
    for (const kid of signers.keys()) if (kid !== active?.kid) signers.delete(kid);
    published = nextPublished;
    if (nextSigner !== undefined && nextSigner.kid !== current?.kid) logger.info(`signing with key ${nextSigner.kid} (${nextSigner.alg})`);
    current = nextSigner;
  }

  async function candidates(count: number): Promise<SigningKeyCandidate[]> {
    const made: SigningKeyCandidate[] = [];
    for (let i = 0; i < count; i++) {
      const key = await generateSigningKey(deps.alg);
      const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
      made.push({ kid: key.kid, alg: key.alg, publicJwk: key.publicJwk, encryptedPrivateKey: sealBox(masterKey, signingKeyAad(key.kid), der) });
      der.fill(0);
    }
    return made;
  }

  async function transition(mode: RotationMode): Promise<void> {
    let now = clock.now();
    // The store hands a plan only live keys; reading from time 0 also finds the expired ones, so
    // their sealed private keys are deleted rather than left in the database forever.
    const everything = await store.listSigningKeys(0);
    let plan = planRotation(everything, now, policy, mode, []);
    const expired = everything.filter((key) => !isLive(key, now));
    const idle = (p: RotationPlan) => p.needCandidates === undefined && p.insert.length + p.update.length + p.remove.length === 0;
    let wrote = false;
    let changed = false;
    for (let attempt = 0; attempt < MAX_PLAN_ATTEMPTS && !idle(plan); attempt++) {
      wrote = true;
      const fresh = await candidates(plan.needCandidates ?? 0);
      now = clock.now();
      let applied: RotationPlan | undefined;
      await store.mutateSigningKeys(now, (locked) => {
        const lockedKids = new Set(locked.map((key) => key.kid));
        applied = planRotation([...locked, ...expired.filter((key) => !lockedKids.has(key.kid))], now, policy, mode, fresh);
        if (applied.needCandidates !== undefined) return { insert: [], update: [], remove: [], audit: [] };
        return { insert: applied.insert, update: applied.update, remove: applied.remove, audit: applied.events.map(({ event, kid }) => transitionRecord(event, kid, now)) };
      });
      if (applied === undefined) throw new Error('store did not run the signing key plan');
      plan = applied;
      if (plan.needCandidates !== undefined) continue;
      for (const { event, kid } of plan.events) logger.info(`${event} ${kid}`);
      if (plan.remove.length > 0) logger.info(`expired signing keys removed: ${plan.remove.join(', ')}`);
      changed = plan.events.length > 0 || plan.remove.length > 0;
      break;
    }
    if (plan.needCandidates !== undefined) throw new Error('signing keys kept changing during rotation; retry');
    // The periodic sync usually finds nothing due: then the first read is the current state.
    // Otherwise read again, since another node may have made the change under the lock.
    await load(wrote ? await store.listSigningKeys(clock.now()) : everything);
    if (changed) deps.onChanged?.();
    if (plan.tooSoonUntil !== undefined) throw new RotationTooSoonError(plan.tooSoonUntil);
    if (current === undefined) throw new Error('no active signing key after sync');
  }

  return {
    signer(): TokenSigner {
      if (current === undefined) throw new Error('signing keys are not loaded: call sync() first');
      return current;
    },
    jwks(): { keys: JWK[] } {
      const now = clock.now();
      const keys: JWK[] = [];
      for (const key of published.values()) if (isLive(key, now)) keys.push(key.jwk);
      return { keys };
    },
    publicKey(kid: string): { key: KeyObject; alg: SigningAlg } | undefined {
      const key = published.get(kid);
      if (key === undefined || !isLive(key, clock.now())) return undefined;
      return { key: key.key, alg: key.alg };
    },
    sync: () => serialize(() => transition('sync')),
    rotateNow: (options?: RotateOptions) => serialize(() => transition(options?.force === true ? 'force' : 'rotate')),
    ready: () => current !== undefined,
  };
}
