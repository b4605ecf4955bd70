import { EVALUATIONS_SEMANTICS, type EvaluationsSemantic } from '@agentauth/protocol';

/** One AuthZEN question, read and checked: every required member present, defaults applied. */
export interface Evaluation {
  subject: { type: string; id: string; properties: Record<string, unknown> };
  action: { name: string; properties: Record<string, unknown> };
  resource: { type: string; id: string; properties: Record<string, unknown> };
  context: Record<string, unknown>;
}

/** An Access Evaluations request (AuthZEN 1.0 §7.1): one question, or several with a semantic. */
export type EvaluationsInput = { kind: 'single'; evaluation: Evaluation } | { kind: 'batch'; evaluations: Evaluation[]; semantic: EvaluationsSemantic };

/** Most evaluations in one Access Evaluations request. */
export const MAX_EVALUATIONS = 100;
/** Longest `type` of a subject or resource, and `name` of an action. */
const MAX_TYPE_LENGTH = 256;
/** Longest `id` of a subject or resource. */
const MAX_ID_LENGTH = 1024;

/** Why a request body was refused: the member and the rule, for the caller to fix its call. */
export class AuthZenRequestError extends Error {
  override readonly name = 'AuthZenRequestError';
}

/**
 * Reads an Access Evaluation request (AuthZEN 1.0 §6.1): `subject`, `action` and `resource` are
 * REQUIRED, `context` OPTIONAL. A missing or mistyped member is refused (§10.1.1: "Bad Request"),
 * naming it. Unknown members are ignored (§10.1.1, forward compatibility).
 *
 * @throws {AuthZenRequestError} naming the member and the rule.
 */
export function readEvaluation(body: unknown): Evaluation {
  const root = object(body, 'the request body');
  return complete(root, {}, '');
}

/**
 * Reads an Access Evaluations request (AuthZEN 1.0 §7.1). Without `evaluations` (or with an empty
 * one) it is a single evaluation. Otherwise the top-level `subject`, `action`, `resource` and
 * `context` are defaults (§7.1.1) that each entry's own member replaces; `options.evaluations_semantic`
 * (§7.1.2.1) is one of the three semantics, `execute_all` when absent. At most
 * {@link MAX_EVALUATIONS} entries.
 *
 * @throws {AuthZenRequestError} naming the member and the rule.
 */
export function readEvaluations(body: unknown): EvaluationsInput {
  const root = object(body, 'the request body');
  const list = root['evaluations'];
  if (list === undefined || (Array.isArray(list) && list.length === 0)) return { kind: 'single', evaluation: complete(root, {}, '') };
  if (!Array.isArray(list)) throw new AuthZenRequestError('evaluations must be an array');
  if (list.length > MAX_EVALUATIONS) throw new AuthZenRequestError(`evaluations holds at most ${MAX_EVALUATIONS} entries`);
  let semantic: EvaluationsSemantic = 'execute_all';
  if (root['options'] !== undefined) {
    const options = object(root['options'], 'options');
    const value = options['evaluations_semantic'];
    if (value !== undefined) {
      if (typeof value !== 'string' || !(EVALUATIONS_SEMANTICS as readonly string[]).includes(value)) {
        throw new AuthZenRequestError(`options.evaluations_semantic must be one of ${EVALUATIONS_SEMANTICS.join(', ')}`);
      }
      semantic = value as EvaluationsSemantic;
    }
  }
  // The defaults are checked once, even where every entry replaces them: a malformed member is
  // refused wherever it stands.
  const defaults: Partial<Evaluation> = {};
  if (root['subject'] !== undefined) defaults.subject = entity(root['subject'], 'subject');
  if (root['action'] !== undefined) defaults.action = action(root['action'], 'action');
  if (root['resource'] !== undefined) defaults.resource = entity(root['resource'], 'resource');
  if (root['context'] !== undefined) defaults.context = object(root['context'], 'context');
  const evaluations = list.map((entry, index) => complete(object(entry, `evaluations[${index}]`), defaults, `evaluations[${index}].`));
  return { kind: 'batch', evaluations, semantic };
}

/** An evaluation from `source`'s members, or else the defaults; each required one must be somewhere. */
function complete(source: Record<string, unknown>, defaults: Partial<Evaluation>, at: string): Evaluation {
  const subject = source['subject'] === undefined ? defaults.subject : entity(source['subject'], `${at}subject`);
  const act = source['action'] === undefined ? defaults.action : action(source['action'], `${at}action`);
  const resource = source['resource'] === undefined ? defaults.resource : entity(source['resource'], `${at}resource`);
  const context = source['context'] === undefined ? (defaults.context ?? {}) : object(source['context'], `${at}context`);
  if (subject === undefined) throw new AuthZenRequestError(`${at}subject is required`);
  if (act === undefined) throw new AuthZenRequestError(`${at}action is required`);
  if (resource === undefined) throw new AuthZenRequestError(`${at}resource is required`);
  return { subject, action: act, resource, context };
}

/** AuthZEN 1.0 §5.1, §5.2: `type` and `id` REQUIRED strings, `properties` an OPTIONAL object. */
function entity(value: unknown, at: string): Evaluation['subject'] {
  const member = object(value, at);
  return {
    type: text(member['type'], `${at}.type`, MAX_TYPE_LENGTH),
    id: text(member['id'], `${at}.id`, MAX_ID_LENGTH),
    properties: member['properties'] === undefined ? {} : object(member['properties'], `${at}.properties`),
  };
}

/** AuthZEN 1.0 §5.3: `name` a REQUIRED string, `properties` an OPTIONAL object. */
function action(value: unknown, at: string): Evaluation['action'] {
  const member = object(value, at);
  return {
    name: text(member['name'], `${at}.name`, MAX_TYPE_LENGTH),
    properties: member['properties'] === undefined ? {} : object(member['properties'], `${at}.properties`),
  };
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (value === undefined) throw new AuthZenRequestError(`${at} is required`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AuthZenRequestError(`${at} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** A REQUIRED string: an empty one identifies nothing, so it counts as missing. */
function text(value: unknown, at: string, max: number): string {
  if (value === undefined || value === '') throw new AuthZenRequestError(`${at} is required`);
  if (typeof value !== 'string') throw new AuthZenRequestError(`${at} must be a string`);
  if (value.length > max) throw new AuthZenRequestError(`${at} is longer than ${max} characters`);
  return value;
}
