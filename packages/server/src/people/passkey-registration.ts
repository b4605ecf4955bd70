import { generateRegistrationOptions, verifyRegistrationResponse, type AuthenticatorTransportFuture, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { PasskeyRecord, PasskeyStore } from '../store/ports/passkey-store.js';
import type { UserRecord } from '../store/ports/user-store.js';
import { isCredentialId, parseRegistrationResponse } from './webauthn-response.js';
import { CEREMONY_TIMEOUT_MS, type RelyingParty, type WebAuthnChallenges } from './webauthn-relying-party.js';

/** A person keeps at most this many passkeys: bounded lists, and a bound on what a stolen session can add. */
export const MAX_PASSKEYS = 20;
/** The longest name of a passkey, in code points. */
export const PASSKEY_NAME_MAX = 64;

/** COSE algorithms accepted (RFC 9053 §2.1 ES256, RFC 8812 §2 RS256): what platform authenticators and security keys make. */
export const PASSKEY_ALGORITHMS = [-7, -257];

/** What registration needs. */
export interface PasskeyRegistrationDeps {
  clock: Clock;
  store: Pick<PasskeyStore, 'createPasskey' | 'listPasskeys' | 'deletePasskey'>;
  audit: Pick<AuditLog, 'record'>;
  challenges: WebAuthnChallenges;
  relyingParty: RelyingParty;
}

/** What registering gave. */
export type RegistrationResult = { kind: 'registered'; passkey: PasskeyRecord } | { kind: 'refused'; message: string };

/**
 * A signed-in person's passkeys (docs/people.md, "Passkeys"): adding one through the registration
 * ceremony (W3C WebAuthn Level 2 §7.1), listing and removing them, each change audited in its own
 * transaction. Passkeys are discoverable credentials (`residentKey: required`) with user
 * verification required, so one alone signs the person in (§6.2.3: possession and the
 * authenticator's PIN or biometric, two factors); attestation is not asked for (`none`): any
 * authenticator the person trusts is accepted, and nothing about it is relied upon.
 */
export class PasskeyRegistration {
  constructor(private readonly deps: PasskeyRegistrationDeps) {}

  /**
   * Whether the person may add passkeys: only local accounts (a password here). A person who
   * signs in through an identity provider is the provider's to authenticate and to deprovision; a
   * passkey here would outlive their removal there.
   */
  mayRegister(user: UserRecord): boolean {
    return user.passwordHash !== null;
  }

  /** The person's passkeys, oldest first. */
  list(userId: string): Promise<PasskeyRecord[]> {
    return this.deps.store.listPasskeys(userId);
  }

  /**
   * Creation options (§5.4) with a fresh challenge bound to the session: the user handle is the
   * person's id (never their email, §14.6.1), their passkeys are excluded (§5.4.3) so one
   * authenticator is not registered twice.
   */
  async options(user: UserRecord, sessionId: string): Promise<PublicKeyCredentialCreationOptionsJSON | undefined> {
    if (!this.mayRegister(user)) return undefined;
    const existing = await this.deps.store.listPasskeys(user.id);
    const challenge = await this.deps.challenges.issue('register', sessionId, user.id);
    return generateRegistrationOptions({
      rpName: this.deps.relyingParty.name,
      rpID: this.deps.relyingParty.id,
      userName: user.email,
      userDisplayName: user.name,
      userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
      challenge,
      timeout: CEREMONY_TIMEOUT_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
  }

  /**
   * The registration ceremony's last steps (§7.1): the challenge is claimed once and must have been
   * drawn by this session for this person; then the library checks the client data's type,
   * challenge and origin (steps 7-9), the RP ID hash (13), the UP and UV flags (14-15), the
   * algorithm (16) and the attestation statement's own signature (19). The new credential id must
   * be nobody's yet (step 22). A refusal is `passkey.registration_failed` with its reason.
   */
  async register(user: UserRecord, sessionId: string, nameInput: string | undefined, responseText: string | undefined, ctx: AuditContext): Promise<RegistrationResult> {
    if (!this.mayRegister(user)) return this.refuse(user, ctx, 'not a local account', 'Passkeys are for local accounts; you sign in through your identity provider.');
    const name = passkeyName(nameInput);
    if (name === undefined) return this.refuse(user, ctx, 'name missing or too long', `Give the passkey a name of 1 to ${PASSKEY_NAME_MAX} characters.`);
    const parsed = parseRegistrationResponse(responseText);
    if (typeof parsed === 'string') return this.refuse(user, ctx, parsed);
    const challenge = await this.deps.challenges.claim(parsed.challenge, 'register', sessionId);
    if (challenge === undefined || challenge.userId !== user.id) return this.refuse(user, ctx, 'challenge unknown, used, expired or not this session\u2019s', undefined, parsed.credential.id);
    if ((await this.deps.store.listPasskeys(user.id)).length >= MAX_PASSKEYS) return this.refuse(user, ctx, 'too many passkeys', `You have ${MAX_PASSKEYS} passkeys; remove one first.`);
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: parsed.credential,
        expectedChallenge: parsed.challenge,
        expectedOrigin: this.deps.relyingParty.origin,
        expectedRPID: this.deps.relyingParty.id,
        expectedType: 'webauthn.create',
        requireUserPresence: true,
        requireUserVerification: true,
        supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
      });
    } catch (error) {
      return this.refuse(user, ctx, `verification failed: ${reasonOf(error)}`, undefined, parsed.credential.id);
    }
    if (!verified.verified) return this.refuse(user, ctx, 'verification failed', undefined, parsed.credential.id);
    const { credential, credentialBackedUp } = verified.registrationInfo;
    if (!isCredentialId(credential.id)) return this.refuse(user, ctx, 'credential id out of bounds');
    const now = this.deps.clock.now();
    const passkey: PasskeyRecord = {
      credentialId: credential.id,
      userId: user.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: [...(credential.transports ?? [])],
      name,
      backedUp: credentialBackedUp,
      createdAt: now,
      lastUsedAt: null,
    };
    try {
      await this.deps.store.createPasskey(passkey, [changeRecord(now, 'passkey.registered', ctx, { user_id: user.id, credential_id: passkey.credentialId, name, backed_up: credentialBackedUp }, null)]);
    } catch (error) {
      if (error instanceof ConflictError) return this.refuse(user, ctx, 'credential id already registered', undefined, passkey.credentialId);
      throw error;
    }
    return { kind: 'registered', passkey };
  }

  /** Removes one of the person's passkeys (`passkey.removed`); false when it is not theirs or does not exist. */
  async remove(user: UserRecord, credentialId: string | undefined, ctx: AuditContext): Promise<boolean> {
    if (!isCredentialId(credentialId)) return false;
    const now = this.deps.clock.now();
    return this.deps.store.deletePasskey(user.id, credentialId, [changeRecord(now, 'passkey.removed', ctx, { user_id: user.id, credential_id: credentialId }, null)]);
  }

  private async refuse(user: UserRecord, ctx: AuditContext, reason: string, message = 'The passkey could not be added. Try again.', credentialId?: string): Promise<RegistrationResult> {
    const details = { user_id: user.id, ...(credentialId === undefined ? {} : { credential_id: credentialId }) };
    await this.deps.audit.record({ ...changeRecord(this.deps.clock.now(), 'passkey.registration_failed', ctx, details, null), outcome: 'failure', reason });
    return { kind: 'refused', message };
  }
}

/** A passkey's name: trimmed, NFC, 1 to 64 code points, no control characters; undefined otherwise. */
export function passkeyName(input: string | undefined): string | undefined {
  if (input === undefined || input.length > PASSKEY_NAME_MAX * 4) return undefined;
  const name = input.normalize('NFC').trim();
  const length = [...name].length;
  if (length < 1 || length > PASSKEY_NAME_MAX || /\p{Cc}/u.test(name)) return undefined;
  return name;
}

/** The library's refusal, as a short reason for the audit record (its messages name the failed check, never a secret). */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}
