import { SCOPE_TOKEN_PATTERN } from '@agentauth/protocol';
import { resourceIndicators } from './resource-indicator.js';
import { setting } from './setting.js';
import { bearerToken, boolean, directoryPath, integer, list, urlWithScheme } from './value-types.js';

/**
 * The settings of the human side: sign-in lockout and sessions (docs/people.md), the authorization
 * code flow's resources and public client registration (docs/oauth.md), and approvals
 * (docs/approvals.md). Part of the one schema, `SETTINGS` in schema.ts, in this order.
 */
export const PEOPLE_SETTINGS = [
  setting('loginLockoutFailures', {
    type: integer({ min: 1, max: 100 }),
    default: { value: 5 },
    description: 'Failed sign-ins (a wrong password, second-factor code or passkey) in a row that lock a person\'s account for AGENTAUTH_LOGIN_LOCKOUT_DURATION; audited as `user.locked`.',
  }),
  setting('loginLockoutDuration', {
    type: integer({ min: 1, max: 86_400, unit: 'seconds' }),
    default: { value: 900 },
    description: 'How long a locked account refuses every sign-in, even with the right password; an admin ends it at once with `agentauth users resume`.',
  }),
  setting('sessionIdleTimeout', {
    type: integer({ min: 60, max: 86_400, unit: 'seconds' }),
    default: { value: 1800 },
    description: 'A person\'s session ends after this long without a request.',
  }),
  setting('sessionMaxAge', {
    type: integer({ min: 60, max: 2_592_000, unit: 'seconds' }),
    default: { value: 43_200 },
    description: 'A person\'s session ends this long after sign-in, however active (at least AGENTAUTH_SESSION_IDLE_TIMEOUT).',
  }),
  setting('authorizationResources', {
    type: resourceIndicators(),
    default: { value: [] },
    defaultDoc: 'none: every authorization request is refused with `invalid_target`',
    description:
      'Resources (RFC 8707) people may authorize their clients for at the authorization endpoint, comma-separated (a list in YAML); a request for any other is refused (docs/oauth.md, "Authorization code flow").',
  }),
  setting('openPublicClientRegistration', {
    type: boolean(),
    default: { value: false },
    description:
      'Let anyone register a public client (`token_endpoint_auth_method: none`) at `/register` without an initial access token, as MCP clients expect (RFC 7591 §3); such a client gets nothing until a person consents.',
  }),
  setting('approvalScopes', {
    type: list({ singular: 'a scope token', plural: 'scope tokens', test: (value) => SCOPE_TOKEN_PATTERN.test(value) }),
    default: { value: [] },
    defaultDoc: 'none',
    description:
      'Scopes a token may carry only with a person\'s approval (docs/approvals.md): a token request naming one is refused and names the approval flow; without `scope`, they are left out of the default.',
  }),
  setting('approvalTypesFile', {
    type: directoryPath(),
    default: { value: undefined },
    defaultDoc: 'none: every request with `authorization_details` is refused',
    description: 'JSON file of the RFC 9396 authorization detail types agents may ask for, each with its fields and when it needs approval (docs/approvals.md, "Detail types").',
  }),
  setting('approvalExpiry', {
    type: integer({ min: 30, max: 3600, unit: 'seconds' }),
    default: { value: 300 },
    description: 'Longest time a person has to answer an approval request (CIBA `expires_in`); a request may ask for less with `requested_expiry`. Unanswered means denied.',
  }),
  setting('approvalPollInterval', {
    type: integer({ min: 1, max: 60, unit: 'seconds' }),
    default: { value: 5 },
    description: 'Seconds an agent must wait between token requests for a pending approval (CIBA `interval`); faster polls get `slow_down`.',
  }),
  setting('approvalTokenTtl', {
    type: integer({ min: 10, max: 3600, unit: 'seconds' }),
    default: { value: 60 },
    description: 'Lifetime of a token issued for an approval (never longer than the agent\'s own token lifetime).',
  }),
  setting('approvalSeparationOfDuties', {
    type: boolean(),
    default: { value: false },
    description: 'Forbid a person to approve the requests of an agent they own (docs/approvals.md, "Who approves"); such requests must name another approver or a group.',
  }),
  setting('approvalApproverGroups', {
    type: list({ singular: 'group name', plural: 'group names', test: (value) => value.length <= 128 && !/[\p{Cc}\p{Cf}]/u.test(value) }),
    default: { value: [] },
    defaultDoc: 'none: `login_hint` may name only the agent\'s owner or a member of its owner group',
    description:
      'Groups of people whom any agent may name as its approver with `login_hint`, comma-separated (a list in YAML), besides its owner and the members of its owner group (docs/approvals.md, "Who approves").',
  }),
  setting('approvalWebhook', {
    type: urlWithScheme(['https', 'http']),
    default: { value: undefined },
    defaultDoc: 'none',
    description:
      'URL every approval event (requested, approved, denied, expired) is POSTed to as JSON a chat tool can render, signed with HMAC-SHA256 under AGENTAUTH_APPROVAL_WEBHOOK_SECRET, through the SSRF guard, retried (docs/approvals.md, "Webhook"); may hold a credential in its query.',
    secret: true,
  }),
  setting('approvalWebhookSecret', {
    type: bearerToken({ minLength: 32, maxLength: 1024 }),
    default: { value: undefined },
    defaultDoc: 'none (required with AGENTAUTH_APPROVAL_WEBHOOK)',
    description: 'Key of the approval webhook\'s `X-AgentAuth-Signature` (HMAC-SHA256), shared with the receiver.',
    secret: true,
  }),
  setting('approvalAllowPrivateCallbacks', {
    type: boolean(),
    default: { value: false },
    description:
      'Let CIBA ping callbacks and the approval webhook reach private, loopback, link-local, CGNAT and unique-local addresses. For tests and private networks (docs/approvals.md).',
  }),
] as const;
