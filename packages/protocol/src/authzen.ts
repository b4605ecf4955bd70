/**
 * Wire constants and types of the OpenID AuthZEN Authorization API 1.0: the Access Evaluation and
 * Access Evaluations APIs (§6, §7) and the Policy Decision Point metadata (§9). The server answers
 * them; the resource-server SDK asks them.
 */

/** AuthZEN 1.0 §9.2: the well-known suffix of the PDP metadata document. */
export const AUTHZEN_CONFIGURATION_PATH = '/.well-known/authzen-configuration';

/** AuthZEN 1.0 §10.1 default paths, relative to the PDP's base URL. */
export const AUTHZEN_PATHS = {
  evaluation: '/access/v1/evaluation',
  evaluations: '/access/v1/evaluations',
} as const;

/** AuthZEN 1.0 §5.1 Subject: who asks (`type` and `id` REQUIRED). */
export interface AuthZenSubject {
  type: string;
  id: string;
  properties?: Record<string, unknown>;
}

/** AuthZEN 1.0 §5.3 Action: what is asked (`name` REQUIRED). */
export interface AuthZenAction {
  name: string;
  properties?: Record<string, unknown>;
}

/** AuthZEN 1.0 §5.2 Resource: on what (`type` and `id` REQUIRED). */
export interface AuthZenResource {
  type: string;
  id: string;
  properties?: Record<string, unknown>;
}

/** AuthZEN 1.0 §6.1: one access evaluation request. */
export interface AccessEvaluationRequest {
  subject: AuthZenSubject;
  action: AuthZenAction;
  resource: AuthZenResource;
  context?: Record<string, unknown>;
}

/** AuthZEN 1.0 §5.5 Decision: `true` permits, `false` denies (and MUST NOT be permitted to go forward). */
export interface AccessDecision {
  decision: boolean;
  context?: Record<string, unknown>;
}

/** AuthZEN 1.0 §7.1.2.1 evaluation semantics; `execute_all` is the default. */
export const EVALUATIONS_SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const;
export type EvaluationsSemantic = (typeof EVALUATIONS_SEMANTICS)[number];

/**
 * AuthZEN 1.0 §7.1: several evaluations in one message. The top-level members are defaults for
 * each entry of `evaluations`; an entry's own member overrides them.
 */
export interface AccessEvaluationsRequest {
  subject?: AuthZenSubject;
  action?: AuthZenAction;
  resource?: AuthZenResource;
  context?: Record<string, unknown>;
  evaluations?: Partial<AccessEvaluationRequest>[];
  options?: { evaluations_semantic?: EvaluationsSemantic } & Record<string, unknown>;
}

/** AuthZEN 1.0 §7.2: the decisions in request order (cut short by a short-circuiting semantic). */
export interface AccessEvaluationsResponse {
  evaluations: AccessDecision[];
}

/** AuthZEN 1.0 §9.1 Policy Decision Point metadata. */
export interface PdpMetadata {
  policy_decision_point: string;
  access_evaluation_endpoint: string;
  access_evaluations_endpoint?: string;
  search_subject_endpoint?: string;
  search_action_endpoint?: string;
  search_resource_endpoint?: string;
  capabilities?: string[];
}
