import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { PasskeyStore, WebAuthnChallengeRecord, WebAuthnPurpose } from '../store/ports/passkey-store.js';

/**
 * Who we are to an authenticator (W3C WebAuthn Level 2 §5.1.2, §5.4.2): the RP ID is the host
 * name of our public origin, the issuer, and the only origin a response may name is the issuer's
 * (§7.1 step 9; §7.2 step 13). A browser accepts an RP ID on a secure context only: an https
 * origin, or http on `localhost`; an IP address is never a valid RP ID (§5.1.2 "valid domain").
 */
export interface RelyingParty {
  id: string;
  /** Shown by the authenticator beside the account. */
  name: string;
  origin: string;
}

/** The relying party our configured issuer makes us. */
export function relyingPartyOf(issuer: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, name: `agentauth ${url.hostname}`, origin: url.origin };
}

/** How long a ceremony's challenge lives (§13.4.3 asks for a short window; the browser's own timeout is shorter). */
export const CHALLENGE_MS = 5 * 60_000;

/** The browser's timeout for the ceremony, handed in the options (§5.4.1, `timeout`). */
export const CEREMONY_TIMEOUT_MS = 2 * 60_000;

/** 32 random bytes: §13.4.3 asks for at least 16. */
const CHALLENGE_BYTES = 32;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

/**
 * Ceremonies' challenges, kept server-side (§13.4.3): random, single use (one conditional delete
 * claims one), short-lived, made for one purpose, and bound to what asked for it (the session
 * registering a passkey, or the sign-in form's double-submit cookie), so a challenge drawn in one
 * browser cannot finish a ceremony in another. The store holds SHA-256 digests of both.
 */
export class WebAuthnChallenges {
  constructor(private readonly deps: { clock: Clock; random: Random; store: Pick<PasskeyStore, 'saveWebAuthnChallenge' | 'claimWebAuthnChallenge'> }) {}

  /** A new challenge for `purpose`, bound to `binding`; returns its bytes for the options. */
  async issue(purpose: WebAuthnPurpose, binding: string, userId: string | null): Promise<Uint8Array<ArrayBuffer>> {
    const challenge = this.deps.random.token(CHALLENGE_BYTES);
    await this.deps.store.saveWebAuthnChallenge({ challengeHash: digest(challenge), purpose, bindingHash: digest(binding), userId, expiresAt: this.deps.clock.now() + CHALLENGE_MS });
    return new Uint8Array(Buffer.from(challenge, 'base64url'));
  }

  /**
   * Takes the challenge a response carries (base64url, as the client data holds it), once;
   * undefined when it is unknown, used, expired, made for another purpose, or bound to something
   * else than `binding` (then it is spent all the same: fail closed).
   */
  async claim(challenge: string, purpose: WebAuthnPurpose, binding: string): Promise<WebAuthnChallengeRecord | undefined> {
    const record = await this.deps.store.claimWebAuthnChallenge(digest(challenge), purpose, this.deps.clock.now());
    if (record === undefined) return undefined;
    const expected = Buffer.from(digest(binding), 'utf8');
    const stored = Buffer.from(record.bindingHash, 'utf8');
    return stored.length === expected.length && timingSafeEqual(stored, expected) ? record : undefined;
  }
}
