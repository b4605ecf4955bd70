import { Type, type Static } from 'typebox';
import { LOGIN_PROVIDER_ID_PATTERN, LOGIN_PROVIDER_LIMITS } from '../../people/login-provider-input.js';
import { USER_LIMITS } from '../../people/validate-user-input.js';
import { USER_ROLES } from '../../store/ports/user-store.js';
import { StringEnum, Time } from './primitives.js';

/**
 * Upstream OpenID Connect providers on the admin API's wire (docs/admin-api.md, "Login
 * providers"; docs/people.md, "Sign-in with your identity provider"). The client secret is
 * write-only: no answer carries it, only that one is set.
 */

const ProviderId = Type.String({ pattern: LOGIN_PROVIDER_ID_PATTERN.source, maxLength: 32 });
const ClaimName = Type.String({ minLength: 1, maxLength: LOGIN_PROVIDER_LIMITS.claimMax });
const Roles = Type.Array(StringEnum(USER_ROLES), { maxItems: USER_ROLES.length, uniqueItems: true });

const Claims = Type.Object(
  { email: Type.Optional(ClaimName), name: Type.Optional(ClaimName), groups: Type.Optional(Type.Union([ClaimName, Type.Null()])) },
  { additionalProperties: false },
);

const fields = {
  display_name: Type.String({ minLength: 1, maxLength: USER_LIMITS.nameMax }),
  issuer: Type.String({ minLength: 1, maxLength: LOGIN_PROVIDER_LIMITS.issuerMax }),
  client_id: Type.String({ minLength: 1, maxLength: LOGIN_PROVIDER_LIMITS.clientIdMax }),
  client_secret: Type.String({ minLength: 1, maxLength: LOGIN_PROVIDER_LIMITS.clientSecretMax }),
  scopes: Type.Array(Type.String({ minLength: 1, maxLength: LOGIN_PROVIDER_LIMITS.scopeMax }), { maxItems: LOGIN_PROVIDER_LIMITS.scopesMax }),
  claims: Claims,
  group_roles: Type.Record(Type.String({ minLength: 1, maxLength: USER_LIMITS.groupMax }), Roles, { maxProperties: LOGIN_PROVIDER_LIMITS.groupRolesMax }),
  allowed_domains: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: LOGIN_PROVIDER_LIMITS.domainsMax }),
  just_in_time: Type.Boolean(),
};

/** A provider, as the admin API shows it. */
export const LoginProvider = Type.Object(
  {
    id: ProviderId,
    display_name: Type.String(),
    issuer: Type.String(),
    client_id: Type.String(),
    client_secret_set: Type.Boolean(),
    redirect_uri: Type.String(),
    scopes: Type.Array(Type.String()),
    claims: Type.Object({ email: Type.String(), name: Type.String(), groups: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
    group_roles: Type.Record(Type.String(), Type.Array(StringEnum(USER_ROLES))),
    allowed_domains: Type.Array(Type.String()),
    just_in_time: Type.Boolean(),
    created_at: Time,
    updated_at: Time,
  },
  { additionalProperties: false },
);
export type LoginProvider = Static<typeof LoginProvider>;

/** `GET /login-providers` answer. */
export const LoginProviderList = Type.Object({ items: Type.Array(LoginProvider) }, { additionalProperties: false });
export type LoginProviderList = Static<typeof LoginProviderList>;

/** Path parameters of `/login-providers/{id}`. */
export const LoginProviderParams = Type.Object({ id: ProviderId }, { additionalProperties: false });

/** `POST /login-providers` body. */
export const CreateLoginProviderRequest = Type.Object(
  {
    id: ProviderId,
    display_name: fields.display_name,
    issuer: fields.issuer,
    client_id: fields.client_id,
    client_secret: fields.client_secret,
    scopes: Type.Optional(fields.scopes),
    claims: Type.Optional(fields.claims),
    group_roles: Type.Optional(fields.group_roles),
    allowed_domains: Type.Optional(fields.allowed_domains),
    just_in_time: Type.Optional(fields.just_in_time),
  },
  { additionalProperties: false },
);
export type CreateLoginProviderRequest = Static<typeof CreateLoginProviderRequest>;

/** `PATCH /login-providers/{id}` body. */
export const UpdateLoginProviderRequest = Type.Object(
  {
    display_name: Type.Optional(fields.display_name),
    issuer: Type.Optional(fields.issuer),
    client_id: Type.Optional(fields.client_id),
    client_secret: Type.Optional(fields.client_secret),
    scopes: Type.Optional(fields.scopes),
    claims: Type.Optional(fields.claims),
    group_roles: Type.Optional(fields.group_roles),
    allowed_domains: Type.Optional(fields.allowed_domains),
    just_in_time: Type.Optional(fields.just_in_time),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateLoginProviderRequest = Static<typeof UpdateLoginProviderRequest>;
