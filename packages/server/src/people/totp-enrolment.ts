import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { UserRecord, UserStore } from '../store/ports/user-store.js';
import { base32Encode } from './base32.js';
import { matchTotp, otpauthUri, TOTP } from './totp.js';
import { openTotpSecret, sealTotpSecret } from './totp-secret.js';

/** What enrolment needs. */
export interface TotpEnrolmentDeps {
  clock: Clock;
  random: Random;
  store: Pick<UserStore, 'updateUser' | 'claimTotpStep'>;
  masterKey: Buffer;
  /** The label's issuer in the otpauth URI (our issuer identifier's host name; no colon). */
  issuerLabel: string;
}

/** A secret offered for enrolment: shown once, to the signed-in person only. */
export interface TotpOffer {
  uri: string;
  /** RFC 4648 base32, for typing in by hand. */
  secret: string;
}

/**
 * Enrolment of a TOTP second factor by a signed-in person without one (docs/people.md, "TOTP").
 * `offer` draws a 160-bit secret (RFC 4226 §4 R6), seals it as the pending secret and returns it
 * once; `confirm` takes a code of it, which proves the authenticator holds it, and makes it the
 * person's factor. A new offer replaces an unconfirmed one. A person who has a factor cannot
 * replace it here: an admin resets it (`user.totp_reset`), so a stolen session cannot swap it.
 */
export class TotpEnrolment {
  constructor(private readonly deps: TotpEnrolmentDeps) {}

  async offer(user: UserRecord, ctx: AuditContext): Promise<TotpOffer | undefined> {
    if (user.totpSecret !== null) return undefined;
    const secret = Buffer.from(this.deps.random.token(TOTP.secretBytes), 'base64url');
    const sealed = sealTotpSecret(this.deps.masterKey, user.id, secret);
    const now = this.deps.clock.now();
    const updated = await this.deps.store.updateUser(user.id, { totpPending: sealed }, now, () => [changeRecord(now, 'user.totp_offered', ctx, { user_id: user.id }, null)]);
    if (updated === undefined) return undefined;
    return { uri: otpauthUri(secret, this.deps.issuerLabel, user.email), secret: base32Encode(secret) };
  }

  /** Whether `code` confirmed the pending secret (then the person's factor). */
  async confirm(user: UserRecord, code: string, ctx: AuditContext): Promise<boolean> {
    if (user.totpSecret !== null || user.totpPending === null) return false;
    const step = matchTotp(openTotpSecret(this.deps.masterKey, user.id, user.totpPending), code.trim(), this.deps.clock.now());
    if (step === undefined || !(await this.deps.store.claimTotpStep(user.id, step))) return false;
    const now = this.deps.clock.now();
    const updated = await this.deps.store.updateUser(user.id, { totpSecret: user.totpPending, totpPending: null }, now, () => [changeRecord(now, 'user.totp_enrolled', ctx, { user_id: user.id }, null)]);
    return updated !== undefined;
  }
}
