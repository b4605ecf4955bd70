import { Type, type Static } from 'typebox';
import { PASSWORD_POLICY } from '../../people/password-policy.js';
import { USER_ID_PATTERN, USER_LIMITS } from '../../people/validate-user-input.js';
import { USER_ROLES, USER_STATUSES } from '../../store/ports/user-store.js';
import { NullableTime, Page, pagination, StringEnum, Time } from './primitives.js';

/**
 * People on the admin API's wire (docs/admin-api.md, "People"; docs/people.md). The user service
 * checks what the schemas cannot (email syntax and uniqueness, the password policy). No answer ever
 * carries a password, its hash or a TOTP secret: only whether they are set.
 */

const UserId = Type.String({ pattern: USER_ID_PATTERN.source });
const Email = Type.String({ minLength: 3, maxLength: USER_LIMITS.emailMax });
const Name = Type.String({ minLength: 1, maxLength: USER_LIMITS.nameMax });
const Groups = Type.Array(Type.String({ minLength: 1, maxLength: USER_LIMITS.groupMax }), { maxItems: USER_LIMITS.groupsMax });
const Roles = Type.Array(StringEnum(USER_ROLES), { maxItems: USER_ROLES.length, uniqueItems: true });
// Bounded in UTF-16 units at four times the policy's code points, so the policy's own message is
// what a long password meets, never the schema's.
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_POLICY.maxLength * 4 });

/** A person, as the admin API shows them. */
export const User = Type.Object(
  {
    id: UserId,
    email: Type.String(),
    name: Type.String(),
    groups: Type.Array(Type.String()),
    roles: Type.Array(StringEnum(USER_ROLES)),
    status: StringEnum(USER_STATUSES),
    password_set: Type.Boolean(),
    totp_enrolled: Type.Boolean(),
    locked_until: NullableTime,
    created_at: Time,
    updated_at: Time,
    last_login_at: NullableTime,
  },
  { additionalProperties: false },
);
export type User = Static<typeof User>;

/** `GET /users` answer. */
export const UserPage = Page(User);
export type UserPage = Static<typeof UserPage>;

/** `GET /users` query. */
export const ListUsersQuery = Type.Object(pagination, { additionalProperties: false });

/** Path parameters of `/users/{id}`. */
export const UserParams = Type.Object({ id: UserId }, { additionalProperties: false });

/** `POST /users` body. */
export const CreateUserRequest = Type.Object(
  { email: Email, name: Name, groups: Type.Optional(Groups), roles: Type.Optional(Roles), password: Type.Optional(Password) },
  { additionalProperties: false },
);
export type CreateUserRequest = Static<typeof CreateUserRequest>;

/** `PATCH /users/{id}` body. */
export const UpdateUserRequest = Type.Object(
  { email: Type.Optional(Email), name: Type.Optional(Name), groups: Type.Optional(Groups), roles: Type.Optional(Roles) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserRequest = Static<typeof UpdateUserRequest>;

/** `POST /users/{id}/password` body. */
export const SetPasswordRequest = Type.Object({ password: Password }, { additionalProperties: false });
export type SetPasswordRequest = Static<typeof SetPasswordRequest>;
