import type { UserRole } from '../store/ports/user-store.js';

/**
 * What operators may change besides reading: the agents' lifecycle (create, update, suspend,
 * resume, disable), their anomalies (acknowledge, resolve), their credentials, enrolment and managed API keys and their cut-over, their certificates and tokens (rotate,
 * revoke), and an agent acting for a person (revoke). Keyed by method and the route's pattern as the admin API declares it.
 */
const OPERATOR_CHANGES: ReadonlySet<string> = new Set([
  'POST /agents',
  'PATCH /agents/:id',
  'POST /agents/:id/suspend',
  'POST /agents/:id/resume',
  'POST /agents/:id/disable',
  'POST /agents/:id/credentials',
  'DELETE /agents/:id/credentials/:credential_id',
  'POST /agents/:id/enrollment-tokens',
  'POST /agents/:id/api-keys',
  'POST /api-keys/:key_id/rotate',
  'POST /api-keys/:key_id/revoke',
  'POST /imported-keys/import',
  'POST /imported-keys/:key_id/revoke',
  'POST /migration/cutover/rules',
  'POST /migration/cutover/rules/clear',
  'POST /agents/:id/certificates',
  'POST /certificates/:serial/revoke',
  'POST /tokens/:jti/revoke',
  'POST /users/:id/delegations/:agent_id/revoke',
  'POST /anomalies/:id/acknowledge',
  'POST /anomalies/:id/resolve',
]);

/**
 * Unsafe requests that only read: verifying the audit chain changes nothing, and a managed key is
 * looked up by a digest sent in the body (a digest in a URL would reach access logs).
 */
const READS_BY_POST: ReadonlySet<string> = new Set(['POST /audit/verify', 'POST /api-keys/lookup']);

/**
 * Whether a person with `roles` may make an admin API request (docs/people.md, "Roles"):
 * `auditor` reads (GET and HEAD, and verifying the audit chain); `operator` reads and acts on agents;
 * `admin` may do everything (people, keys, the CA, federation, policies, settings). No role, no
 * access. `route` is the route's declared pattern (`/agents/:id`), never the raw path, so no
 * encoding of a path can slip past it; an unknown route is refused to all but admins.
 */
export function roleAllows(roles: readonly UserRole[], method: string, route: string): boolean {
  if (roles.includes('admin')) return true;
  const key = `${method.toUpperCase()} ${route}`;
  const reads = method === 'GET' || method === 'HEAD' || READS_BY_POST.has(key);
  if (reads && (roles.includes('auditor') || roles.includes('operator'))) return true;
  return roles.includes('operator') && OPERATOR_CHANGES.has(key);
}
