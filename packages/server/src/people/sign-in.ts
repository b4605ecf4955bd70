import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { AuditEvent } from '../events/audit-events.js';
import type { FailureLimiter } from '../limits/failure-limiter.js';
import type { UserRecord, UserStore } from '../store/ports/user-store.js';
import type { AuditInput } from '../store/records.js';
import { verifyPassword } from './password-hash.js';
import { PASSWORD_POLICY } from './password-policy.js';
import type { Sessions } from './sessions.js';
import { matchTotp } from './totp.js';
import { openTotpSecret } from './totp-secret.js';
import { normaliseEmail, USER_LIMITS } from './validate-user-input.js';

/** Lockout of one account after repeated failures (OWASP Authentication Cheat Sheet, "Account Lockout"). */
export interface LockoutPolicy {
  /** Failed sign-ins (passwords and second factors) that lock the account. */
  failures: number;
  /** How long it stays locked. */
  durationMs: number;
}

/** What `SignIn` needs. */
export interface SignInDeps {
  clock: Clock;
  store: Pick<UserStore, 'getUserByEmail' | 'getUser' | 'recordLoginFailure' | 'claimTotpStep'>;
  audit: Pick<AuditLog, 'record'>;
  sessions: Sessions;
  masterKey: Buffer;
  lockout: LockoutPolicy;
  /** Failed sign-ins per source address (`limits/`); without it, none. */
  limiter?: FailureLimiter | undefined;
}

/** Where the request came from, for the limits and the audit records. */
export interface SignInRequest {
  address: string | null;
  requestId: string | null;
}

/** The outcome of a step: a session to set (signed in, or waiting for the second factor), a refusal, or a rate limit. */
export type SignInResult =
  | { kind: 'signed_in'; sessionId: string; user: UserRecord }
  | { kind: 'mfa'; sessionId: string }
  | { kind: 'refused' }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * Local sign-in (docs/people.md, "Local accounts"): a password, then a TOTP code when the person
 * enrolled one. Every refusal looks the same to the browser, whatever failed (no such email, wrong
 * password, a locked, suspended or disabled account, a wrong or reused code); the reason goes to
 * the `user_login.failed` audit record, never a password or code. The password is verified
 * against a decoy when there is no such person, so timing does not tell either. Each failure
 * counts towards the person's lockout and the address's limit; the failure that locks an account
 * writes `user.locked` with it.
 */
export class SignIn {
  constructor(private readonly deps: SignInDeps) {
    if (!Number.isInteger(deps.lockout.failures) || deps.lockout.failures < 1) throw new TypeError('lockout.failures must be a positive integer');
  }

  /** The first step: email and password. */
  async password(emailInput: string, password: string, request: SignInRequest): Promise<SignInResult> {
    const limited = this.deps.limiter?.refuseAddress(request.address);
    if (limited !== undefined) return { kind: 'rate_limited', retryAfterSeconds: limited };
    // Bounded before the hash runs: argon2 would take a megabyte, and no real password is that long.
    const tooLong = emailInput.length > USER_LIMITS.emailMax || password.length > PASSWORD_POLICY.maxLength * 4;
    let email: string | undefined;
    try {
      email = tooLong ? undefined : normaliseEmail(emailInput);
    } catch {
      email = undefined;
    }
    const user = email === undefined ? undefined : await this.deps.store.getUserByEmail(email);
    const matches = await verifyPassword(tooLong ? null : (user?.passwordHash ?? null), password);
    if (user === undefined) return this.refuse(null, 'unknown email or malformed input', request);
    const standing = this.standing(user);
    if (standing !== undefined) return this.refuse(user, standing, request, false);
    if (!matches) return this.refuse(user, user.passwordHash === null ? 'no local password' : 'wrong password', request);
    if (user.totpSecret !== null) {
      const sessionId = await this.deps.sessions.start(user.id, 'mfa', [this.record('user_login.password_accepted', user, request)]);
      return sessionId === undefined ? { kind: 'refused' } : { kind: 'mfa', sessionId };
    }
    return this.signedIn(user, request, undefined);
  }

  /**
   * The second step: a TOTP code for the session the password step started. A code is accepted
   * within one step of drift (RFC 6238 §5.2) and once (§5.2: "the verifier MUST NOT accept the
   * second attempt of the same OTP"), by one conditional write on the last accepted step.
   */
  async totp(mfaSessionId: string, code: string, request: SignInRequest): Promise<SignInResult> {
    const limited = this.deps.limiter?.refuseAddress(request.address);
    if (limited !== undefined) return { kind: 'rate_limited', retryAfterSeconds: limited };
    const pending = await this.deps.sessions.resolve(mfaSessionId, 'mfa');
    if (pending === undefined) return this.refuse(null, 'no second-factor stage (unknown, expired or account not active)', request);
    const { user } = pending;
    if (user.totpSecret === null) return this.refuse(user, 'second factor removed meanwhile', request, false);
    const step = matchTotp(openTotpSecret(this.deps.masterKey, user.id, user.totpSecret), code.trim(), this.deps.clock.now());
    if (step === undefined) return this.refuse(user, 'wrong TOTP code', request);
    if (!(await this.deps.store.claimTotpStep(user.id, step))) return this.refuse(user, 'TOTP code already used', request);
    return this.signedIn(user, request, mfaSessionId);
  }

  private async signedIn(user: UserRecord, request: SignInRequest, replaces: string | undefined): Promise<SignInResult> {
    const sessionId = await this.deps.sessions.start(user.id, 'signed_in', [this.record('user_session.created', user, request, { second_factor: replaces !== undefined })], replaces);
    if (sessionId === undefined) return this.refuse(user, 'second-factor stage already used', request, false);
    return { kind: 'signed_in', sessionId, user };
  }

  /**
   * A signed-in session for a person another credential proved (a passkey): `user_session.created`
   * with `details` (which credential, never a secret). For the sign-in flows beside this one, so
   * every way in shares one session start, one standing rule and one refusal path.
   */
  async startSession(user: UserRecord, request: SignInRequest, details: Record<string, unknown>): Promise<SignInResult> {
    const sessionId = await this.deps.sessions.start(user.id, 'signed_in', [this.record('user_session.created', user, request, details)]);
    return sessionId === undefined ? { kind: 'refused' } : { kind: 'signed_in', sessionId, user };
  }

  /** The address's wait when it is over the sign-in limit, or undefined. */
  addressLimited(request: SignInRequest): SignInResult | undefined {
    const limited = this.deps.limiter?.refuseAddress(request.address);
    return limited === undefined ? undefined : { kind: 'rate_limited', retryAfterSeconds: limited };
  }

  /** Why the person may not sign in now, whatever they present; undefined when they may. */
  standing(user: UserRecord): string | undefined {
    if (user.status !== 'active') return `account ${user.status}`;
    if (user.lockedUntil !== null && this.deps.clock.now() < user.lockedUntil) return 'account locked';
    return undefined;
  }

  /**
   * Audits the refusal as `user_login.failed` (with `details`, never a secret), counts it (towards
   * the person's lockout when `counts`, and the address's limit).
   */
  async refuse(user: UserRecord | null, reason: string, request: SignInRequest, counts = true, details: Record<string, unknown> = {}): Promise<SignInResult> {
    const now = this.deps.clock.now();
    await this.deps.audit.record({ ...this.record('user_login.failed', user, request, details), outcome: 'failure', actor: null, reason });
    if (user !== null && counts) {
      await this.deps.store.recordLoginFailure(user.id, now, this.deps.lockout.failures, this.deps.lockout.durationMs, (result) => [
        { ...this.record('user.locked', user, request, { locked_until: new Date(result.lockedUntil ?? now).toISOString(), failures: this.deps.lockout.failures }), actor: 'system' },
      ]);
    }
    const wait = await this.deps.limiter?.recordFailure({ address: request.address, requestId: request.requestId });
    return wait === undefined ? { kind: 'refused' } : { kind: 'rate_limited', retryAfterSeconds: wait };
  }

  private record(event: AuditEvent, user: UserRecord | null, request: SignInRequest, details: Record<string, unknown> = {}): AuditInput {
    return {
      time: this.deps.clock.now(),
      event,
      outcome: 'success',
      agentId: null,
      actor: user === null ? null : `user:${user.id}`,
      sourceIp: request.address,
      reason: null,
      requestId: request.requestId,
      details: user === null ? details : { user_id: user.id, ...details },
    };
  }
}
