/**
 * The Cedar schema every stored policy is validated against (strict mode), and that every
 * request the server evaluates conforms to. docs/policy.md explains each name with examples.
 *
 * - Principals are `Agent`s (and `User`s, for people), members of `Group`s. An agent's labels are
 *   its Cedar tags (`principal.hasTag("team") && principal.getTag("team") == "payments"`).
 * - Actions are the server's operations. A requested scope is not an action: each scope is its own
 *   request with `context.scope` set (and `context.scopes` holding all of them), so one policy
 *   speaks of scopes by pattern (`context.scope like "*:write"`) without a schema change per scope.
 * - Resources are RFC 8707 audiences; operators attach `sensitivity` and tags to them in the
 *   policy set's entities. Operations that name no audience (certificates, registration) have the
 *   issuer itself as their resource.
 * - `time`, `hour` and `weekday` are to the minute, so decisions can be cached; `hour` and
 *   `weekday` (1 = Monday) are in the configured policy time zone.
 */
export const POLICY_SCHEMA = `// agentauth policy schema (Cedar ${'4'}). Every policy is validated against it in strict mode.

type RequestContext = {
  "time": datetime,
  "hour": Long,
  "weekday": Long,
  "source_ip": ipaddr,
  "binding": String,
  "auth_method": String,
  "grant_type": String,
  "scope": String,
  "scopes": Set<String>,
  "resources": Set<String>,
  "subject": String,
  "actors": Set<String>,
  "delegation_depth": Long,
  "task_id": String,
  "requested_ttl": Long,
  "renewal": Bool,
  "risk": String,
  "name": String,
  "pep": String,
};

entity Group;

entity User in [Group] {
  "name": String,
  "email": String,
  "status": String,
} tags String;

entity Agent in [Group] {
  "name": String,
  "owner": String,
  "status": String,
  "created": datetime,
  "auth_method": String,
  "scopes": Set<String>,
  "resources": Set<String>,
} tags String;

entity Resource {
  "uri": String,
  "sensitivity": String,
} tags String;

action issue_token, exchange_token, issue_certificate, register_agent appliesTo {
  principal: [Agent],
  resource: [Resource],
  context: RequestContext,
};

entity ApiResource {
  "type": String,
  "id": String,
  "uri": String,
  "sensitivity": String,
} tags String;

action call_api appliesTo {
  principal: [Agent, User],
  resource: [ApiResource],
  context: RequestContext,
};
`;

/** The actions of the schema, by the server operation that asks. */
export const POLICY_ACTIONS = ['issue_token', 'exchange_token', 'issue_certificate', 'register_agent'] as const;

/** The action of a resource server's AuthZEN question (not a server operation: see above). */
export const API_CALL_ACTION = 'call_api';

/** One of the server's operations, as a Cedar action id. */
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** The key bindings a request can have (`context.binding`). */
export type PolicyBinding = 'none' | 'dpop' | 'mtls';

/** Risk levels (`context.risk`): the highest severity of the agent's open anomalies (docs/monitoring.md), `low` when none or when detection is off. */
export type RiskLevel = 'low' | 'medium' | 'high';
