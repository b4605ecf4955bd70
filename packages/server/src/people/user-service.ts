import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { AuditEvent } from '../events/audit-events.js';
import type { Random } from '../random.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { UserPatch, UserRecord, UserStore } from '../store/ports/user-store.js';
import type { AuditInput } from '../store/records.js';
import { hashPassword } from './password-hash.js';
import { passwordPolicyViolation } from './password-policy.js';
import { UserError } from './user-error.js';
import { checkGroups, checkName, checkRoles, newUserId, normaliseEmail } from './validate-user-input.js';

/** What the service needs. */
export interface UserServiceDeps {
  clock: Clock;
  random: Random;
  store: UserStore;
  /**
   * Revokes every token whose `sub` is the person and announces it on the revocation feed, after a
   * suspension, a disabling or a deletion commits (`oauth/authorization/revoke-person.ts`).
   */
  revokeTokens?: (userId: string, status: 'suspended' | 'disabled' | 'deleted', ctx: AuditContext) => Promise<void>;
}

/** A new person as the admin API describes them. */
export interface CreateUserInput {
  email: string;
  name: string;
  groups?: readonly string[];
  roles?: readonly string[];
  /** A local password; without one the person cannot sign in until one is set. */
  password?: string;
}

/** Fields an update may change. */
export interface UpdateUserInput {
  email?: string;
  name?: string;
  groups?: readonly string[];
  roles?: readonly string[];
}

/**
 * People as the admin API manages them (docs/people.md). Every change is validated and committed
 * with its `user.*` audit record in one transaction; no record ever holds a password, a hash or a
 * TOTP secret. Suspending, deleting, a new password, a TOTP reset and a change of roles end the
 * person's sessions in the same transaction, so what an admin takes away is gone at once.
 * Suspending, disabling and deleting also revoke the person's tokens (their own and those agents
 * exchanged from them) on the revocation feed, before the call returns.
 */
export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  async create(input: CreateUserInput, ctx: AuditContext): Promise<UserRecord> {
    const now = this.deps.clock.now();
    const email = normaliseEmail(input.email);
    const name = checkName(input.name);
    const passwordHash = input.password === undefined ? null : await this.hash(input.password, { email, name });
    const record: UserRecord = {
      id: newUserId(this.deps.random),
      email,
      name,
      groups: checkGroups(input.groups ?? []),
      roles: checkRoles(input.roles ?? []),
      status: 'active',
      passwordHash,
      totpSecret: null,
      totpPending: null,
      totpLastStep: null,
      failedLogins: 0,
      lockedUntil: null,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: null,
    };
    try {
      await this.deps.store.createUser(record, [this.record('user.created', ctx, record, { roles: record.roles, groups: record.groups, local_account: passwordHash !== null })]);
    } catch (error) {
      if (error instanceof ConflictError) throw new UserError('conflict', 'a person with this email already exists');
      throw error;
    }
    return record;
  }

  async get(id: string): Promise<UserRecord> {
    const record = await this.deps.store.getUser(id);
    if (record === undefined) throw new UserError('not_found', 'no such user');
    return record;
  }

  list(page: { limit: number; after?: string }): Promise<UserRecord[]> {
    return this.deps.store.listUsers(page);
  }

  async update(id: string, input: UpdateUserInput, ctx: AuditContext): Promise<UserRecord> {
    const patch: UserPatch = {
      ...(input.email === undefined ? {} : { email: normaliseEmail(input.email) }),
      ...(input.name === undefined ? {} : { name: checkName(input.name) }),
      ...(input.groups === undefined ? {} : { groups: checkGroups(input.groups) }),
      ...(input.roles === undefined ? {} : { roles: checkRoles(input.roles) }),
    };
    const before = await this.get(id);
    const rolesChanged = patch.roles !== undefined && patch.roles.join() !== before.roles.join();
    return this.change(id, patch, 'user.updated', ctx, { changed: Object.keys(input).sort(), ...(patch.roles === undefined ? {} : { roles: patch.roles }) }, rolesChanged);
  }

  async suspend(id: string, ctx: AuditContext): Promise<UserRecord> {
    const updated = await this.change(id, { status: 'suspended' }, 'user.suspended', ctx, {}, true);
    await this.deps.revokeTokens?.(id, 'suspended', ctx);
    return updated;
  }

  /** Off for good (someone who left): no sign-in, sessions end, tokens revoked; only `resume` brings them back. */
  async disable(id: string, ctx: AuditContext): Promise<UserRecord> {
    const updated = await this.change(id, { status: 'disabled' }, 'user.disabled', ctx, {}, true);
    await this.deps.revokeTokens?.(id, 'disabled', ctx);
    return updated;
  }

  /** Back to `active`, with the failure count and any lockout cleared. */
  resume(id: string, ctx: AuditContext): Promise<UserRecord> {
    return this.change(id, { status: 'active', failedLogins: 0, lockedUntil: null }, 'user.resumed', ctx, {}, false);
  }

  /**
   * Deletes the person. Their authorizations go with their row, so what was issued from them is
   * revoked first; and once more after, for anything issued in between (the feed hears of the
   * person twice).
   */
  async delete(id: string, ctx: AuditContext): Promise<void> {
    const record = await this.get(id);
    await this.deps.revokeTokens?.(id, 'deleted', ctx);
    const deleted = await this.deps.store.deleteUser(id, [this.record('user.deleted', ctx, record, {})]);
    if (!deleted) throw new UserError('not_found', 'no such user');
    await this.deps.revokeTokens?.(id, 'deleted', ctx);
  }

  /** Sets a new local password (the policy applies) and ends every session of the person. */
  async setPassword(id: string, password: string, ctx: AuditContext): Promise<UserRecord> {
    const person = await this.get(id);
    const passwordHash = await this.hash(password, person);
    return this.change(id, { passwordHash, failedLogins: 0, lockedUntil: null }, 'user.password_set', ctx, {}, true);
  }

  /** Removes the TOTP second factor (a lost device); the person enrols again after signing in. */
  resetTotp(id: string, ctx: AuditContext): Promise<UserRecord> {
    return this.change(id, { totpSecret: null, totpPending: null, totpLastStep: null }, 'user.totp_reset', ctx, {}, true);
  }

  private async change(id: string, patch: UserPatch, event: AuditEvent, ctx: AuditContext, details: Record<string, unknown>, endSessions: boolean): Promise<UserRecord> {
    try {
      const updated = await this.deps.store.updateUser(id, patch, this.deps.clock.now(), (u) => [this.record(event, ctx, u, details)], { endSessions });
      if (updated === undefined) throw new UserError('not_found', 'no such user');
      return updated;
    } catch (error) {
      if (error instanceof ConflictError) throw new UserError('conflict', 'a person with this email already exists');
      throw error;
    }
  }

  private async hash(password: string, person: { email: string; name: string }): Promise<string> {
    const violation = passwordPolicyViolation(password, person);
    if (violation !== undefined) throw new UserError('validation_failed', violation);
    return hashPassword(password);
  }

  private record(event: AuditEvent, ctx: AuditContext, user: UserRecord, details: Record<string, unknown>): AuditInput {
    return changeRecord(this.deps.clock.now(), event, ctx, { user_id: user.id, email: user.email, ...details }, null);
  }
}

