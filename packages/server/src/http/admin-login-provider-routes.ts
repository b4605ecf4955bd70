import { CreateLoginProviderRequest, LoginProvider, LoginProviderList, LoginProviderParams, UpdateLoginProviderRequest } from '../admin/wire/login-provider.js';
import { rfc3339 } from '../admin/wire/primitives.js';
import type { LoginProviderService } from '../people/login-provider-service.js';
import type { LoginProviderRecord } from '../store/ports/login-provider-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** The admin API's JSON of a provider: whether a client secret is set, never the secret. */
export function loginProviderToJson(r: LoginProviderRecord, redirectUri: (id: string) => string): LoginProvider {
  return {
    id: r.id,
    display_name: r.displayName,
    issuer: r.issuer,
    client_id: r.clientId,
    client_secret_set: r.clientSecret !== '',
    redirect_uri: redirectUri(r.id),
    scopes: r.scopes,
    claims: r.claims,
    group_roles: r.groupRoles,
    allowed_domains: r.allowedDomains,
    just_in_time: r.justInTime,
    created_at: rfc3339(r.createdAt),
    updated_at: rfc3339(r.updatedAt),
  };
}

/** `/login-providers` (docs/admin-api.md, "Login providers"): admins only (`people/admin-roles.ts`); auditors and operators may read. */
export function loginProviderRoutes(service: LoginProviderService, redirectUri: (id: string) => string): AdminRoute[] {
  const json = (r: LoginProviderRecord) => loginProviderToJson(r, redirectUri);
  return [
    adminRoute({
      method: 'POST',
      url: '/login-providers',
      operationId: 'createLoginProvider',
      summary: 'Add an upstream OpenID Connect provider people sign in through (issuer, client, scopes, claim mapping, group roles, domains, just-in-time creation).',
      schema: { body: CreateLoginProviderRequest },
      success: { status: 201, schema: LoginProvider },
      authenticated: true,
      handler: async ({ body }, reply, ctx) => {
        const { id, ...input } = body;
        const created = await service.create(id, input, ctx.audit);
        reply.code(201);
        return json(created);
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/login-providers',
      operationId: 'listLoginProviders',
      summary: 'List the upstream providers, by id.',
      schema: {},
      success: { status: 200, schema: LoginProviderList },
      authenticated: true,
      handler: async () => ({ items: (await service.list()).map(json) }),
    }),
    adminRoute({
      method: 'GET',
      url: '/login-providers/:id',
      operationId: 'getLoginProvider',
      summary: 'One upstream provider.',
      schema: { params: LoginProviderParams },
      success: { status: 200, schema: LoginProvider },
      authenticated: true,
      handler: async ({ params }) => json(await service.get(params.id)),
    }),
    adminRoute({
      method: 'PATCH',
      url: '/login-providers/:id',
      operationId: 'updateLoginProvider',
      summary: 'Change an upstream provider (a new client secret replaces the old one).',
      schema: { params: LoginProviderParams, body: UpdateLoginProviderRequest },
      success: { status: 200, schema: LoginProvider },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => json(await service.update(params.id, body, ctx.audit)),
    }),
    adminRoute({
      method: 'DELETE',
      url: '/login-providers/:id',
      operationId: 'deleteLoginProvider',
      summary: 'Remove an upstream provider and its pending sign-ins (people it created stay).',
      schema: { params: LoginProviderParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        await service.delete(params.id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
