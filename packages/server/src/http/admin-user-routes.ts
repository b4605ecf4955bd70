import { rfc3339, rfc3339OrNull } from '../admin/wire/primitives.js';
import { CreateUserRequest, ListUsersQuery, SetPasswordRequest, UpdateUserRequest, User, UserPage, UserParams } from '../admin/wire/user.js';
import { pageRequest } from '../admin/wire/primitives.js';
import type { UserService } from '../people/user-service.js';
import type { UserRecord } from '../store/ports/user-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** The admin API's JSON of a person: whether secrets are set, never the secrets or their hashes. */
export function userToJson(r: UserRecord): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    groups: r.groups,
    roles: r.roles,
    status: r.status,
    password_set: r.passwordHash !== null,
    totp_enrolled: r.totpSecret !== null,
    locked_until: rfc3339OrNull(r.lockedUntil),
    created_at: rfc3339(r.createdAt),
    updated_at: rfc3339(r.updatedAt),
    last_login_at: rfc3339OrNull(r.lastLoginAt),
  };
}

/** A status change: `/users/{id}/suspend`, `/resume`, `/disable`. */
function statusRoute(verb: 'suspend' | 'resume' | 'disable', operationId: string, summary: string, act: UserService['suspend']): AdminRoute {
  return adminRoute({
    method: 'POST',
    url: `/users/:id/${verb}`,
    operationId,
    summary,
    schema: { params: UserParams },
    success: { status: 200, schema: User },
    authenticated: true,
    handler: async ({ params }, _reply, ctx) => userToJson(await act(params.id, ctx.audit)),
  });
}

/** `/users` (docs/admin-api.md, "People"). Only admins reach them (`people/admin-roles.ts`); auditors and operators may read. */
export function userRoutes(service: UserService): AdminRoute[] {
  return [
    adminRoute({
      method: 'POST',
      url: '/users',
      operationId: 'createUser',
      summary: 'Add a person (email, name, groups, roles, and optionally a local password under the password policy).',
      schema: { body: CreateUserRequest },
      success: { status: 201, schema: User },
      authenticated: true,
      handler: async ({ body }, reply, ctx) => {
        const created = await service.create(body, ctx.audit);
        reply.code(201);
        return userToJson(created);
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/users',
      operationId: 'listUsers',
      summary: 'List people, by id.',
      schema: { querystring: ListUsersQuery },
      success: { status: 200, schema: UserPage },
      authenticated: true,
      handler: async ({ query }) => {
        const page = pageRequest(query);
        const users = await service.list({ ...page, limit: page.limit + 1 });
        const items = users.slice(0, page.limit).map(userToJson);
        const last = items[items.length - 1];
        return users.length > page.limit && last !== undefined ? { items, next_cursor: last.id } : { items };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/users/:id',
      operationId: 'getUser',
      summary: 'One person.',
      schema: { params: UserParams },
      success: { status: 200, schema: User },
      authenticated: true,
      handler: async ({ params }) => userToJson(await service.get(params.id)),
    }),
    adminRoute({
      method: 'PATCH',
      url: '/users/:id',
      operationId: 'updateUser',
      summary: "Change a person's email, name, groups or roles (a change of roles ends their sessions).",
      schema: { params: UserParams, body: UpdateUserRequest },
      success: { status: 200, schema: User },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => userToJson(await service.update(params.id, body, ctx.audit)),
    }),
    statusRoute('suspend', 'suspendUser', 'Suspend a person: no sign-in, and their sessions end at once.', (id, ctx) => service.suspend(id, ctx)),
    statusRoute('resume', 'resumeUser', 'Resume a suspended, disabled or locked person.', (id, ctx) => service.resume(id, ctx)),
    statusRoute('disable', 'disableUser', 'Disable a person who left: no sign-in, and their sessions end at once.', (id, ctx) => service.disable(id, ctx)),
    adminRoute({
      method: 'DELETE',
      url: '/users/:id',
      operationId: 'deleteUser',
      summary: 'Remove a person and end their sessions.',
      schema: { params: UserParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        await service.delete(params.id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/users/:id/password',
      operationId: 'setUserPassword',
      summary: 'Set a local password (the password policy applies); ends their sessions and clears a lockout.',
      schema: { params: UserParams, body: SetPasswordRequest },
      success: { status: 200, schema: User },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => userToJson(await service.setPassword(params.id, body.password, ctx.audit)),
    }),
    adminRoute({
      method: 'DELETE',
      url: '/users/:id/totp',
      operationId: 'resetUserTotp',
      summary: "Remove a person's TOTP second factor (a lost device); they enrol again after signing in.",
      schema: { params: UserParams },
      success: { status: 200, schema: User },
      authenticated: true,
      handler: async ({ params }, _reply, ctx) => userToJson(await service.resetTotp(params.id, ctx.audit)),
    }),
  ];
}
