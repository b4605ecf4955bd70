import { checkEntities, decideOnce, decidePreparsed, preparsePolicies, validatePolicies, type CedarAnswer, type CedarRequest, type EntityJson } from './cedar.js';
import { POLICY_SCHEMA } from './policy-schema.js';
import { locate, parsePolicySource, type ParsedPolicy, type PolicyProblem, type PolicyText } from './policy-source.js';

/** What a policy set holds, as stored: its policies, and the entities operators describe. */
export interface PolicySetContent {
  policies: PolicyText[];
  /** `Resource` attributes (sensitivity, tags) and `Group`s, in Cedar's entity JSON. */
  entities: EntityJson[];
}

/**
 * The set in force where none was ever applied: one permit that lets the static allow-list decide
 * (every request reaching the policy layer is already within the agent's registered scopes and
 * resources). Operators add `forbid` policies to narrow it, or delete it to write their own permits.
 */
export const BASELINE_POLICIES: PolicySetContent = {
  policies: [
    {
      id: 'allow-list',
      description: 'Permits what each agent is registered for; forbid policies narrow it.',
      text: '@id("allow-list")\n@description("Permits what each agent is registered for; forbid policies narrow it.")\npermit (principal, action, resource);',
    },
  ],
  entities: [],
};

/** Most entities one set may describe. */
const MAX_ENTITIES = 10_000;
/** Entity types operators may describe; agents and people come from the registry. */
const OPERATOR_ENTITY_TYPES = ['Resource', 'Group'];
/** `Resource.sensitivity` where an operator did not say. */
export const DEFAULT_SENSITIVITY = 'normal';
let nextSetId = 0;

/** Words by which a policy can read the request's time; a set without them decides the same all day. */
const TIME_WORDS = /\b(time|hour|weekday)\b/;

/**
 * A validated policy set, ready to decide requests. `compile` validates every policy against the
 * schema (strict mode) and the entities against their types before anything can use the set.
 */
export class CompiledPolicySet {
  private constructor(
    /** The stored version (0 for the baseline). */
    readonly version: number,
    readonly content: PolicySetContent,
    /** Policies by id, with what their annotations ask. */
    readonly policies: ReadonlyMap<string, ParsedPolicy>,
    /** `Resource` entities by URI, completed with their defaults. */
    private readonly resources: ReadonlyMap<string, EntityJson>,
    private readonly groups: readonly EntityJson[],
    /** Cedar's cache id when preparsed (the set in force), else each decision parses it. */
    private readonly preparsedId: string | undefined,
    /**
     * False when no policy can read the request's time (none names `time`, `hour` or `weekday`):
     * equal requests then have equal decisions all day, and the decider's cache keys leave time out.
     */
    readonly readsTime: boolean,
  ) {}

  /**
   * Validates `content` and returns the compiled set, or every problem found. `preparse` loads it
   * into Cedar's cache for fast decisions (the set in force); proposed sets (dry runs, tests) are
   * not cached, since Cedar's cache keeps every set it was given.
   */
  static compile(version: number, content: PolicySetContent, options: { preparse: boolean; /** A fixed cache id to preparse into, reused run after run (dry runs), so the cache does not grow. */ slot?: string }): { ok: true; set: CompiledPolicySet } | { ok: false; problems: PolicyProblem[] } {
    const problems: PolicyProblem[] = [];
    const policies = new Map<string, ParsedPolicy>();
    for (const stored of content.policies) {
      const parsed = parsePolicySource(stored.text);
      if (!parsed.ok) {
        problems.push(...parsed.problems.map((p) => ({ ...p, policyId: p.policyId ?? stored.id })));
        continue;
      }
      const [policy] = parsed.policies;
      if (parsed.policies.length !== 1 || policy === undefined || policy.id !== stored.id) {
        problems.push({ policyId: stored.id, line: null, column: null, message: 'a stored policy must be exactly one policy with its own @id' });
        continue;
      }
      policies.set(policy.id, policy);
    }
    const texts = Object.fromEntries([...policies].map(([id, p]) => [id, p.text]));
    // Cedar reports one error per action a policy may apply to: the same mistake, said once.
    const said = new Set<string>();
    for (const { policyId, error } of validatePolicies(POLICY_SCHEMA, texts)) {
      const problem = locate(policies.get(policyId ?? '')?.text ?? '', 0, policyId, error);
      const key = `${policyId}|${problem.line}|${problem.column}|${problem.message.replace(/Action::"[^"]*"/g, '')}`;
      if (said.has(key)) continue;
      said.add(key);
      problems.push(problem);
    }
    const entities = completeEntities(content.entities, problems);
    if (problems.length > 0) return { ok: false, problems };

    let preparsedId: string | undefined;
    if (options.preparse) {
      preparsedId = options.slot ?? `set-${version}-${nextSetId++}`;
      preparsePolicies(preparsedId, texts);
    }
    const resources = new Map(entities.filter((e) => uidOf(e).type === 'Resource').map((e) => [uidOf(e).id, e]));
    const groups = entities.filter((e) => uidOf(e).type === 'Group');
    const readsTime = [...policies.values()].some((p) => TIME_WORDS.test(p.text));
    return { ok: true, set: new CompiledPolicySet(version, content, policies, resources, groups, preparsedId, readsTime) };
  }

  /** The `Resource` entity for an audience: the operator's description, or the defaults. */
  resourceEntity(uri: string): EntityJson {
    return this.resources.get(uri) ?? { uid: { type: 'Resource', id: uri }, attrs: { uri, sensitivity: DEFAULT_SENSITIVITY }, parents: [], tags: {} };
  }

  /** The `Group` entities operators described (a principal's groups resolve through them). */
  groupEntities(): readonly EntityJson[] {
    return this.groups;
  }

  /** Cedar's decision on one request. */
  decide(request: CedarRequest): CedarAnswer {
    if (this.preparsedId !== undefined) return decidePreparsed(this.preparsedId, request);
    return decideOnce(POLICY_SCHEMA, Object.fromEntries([...this.policies].map(([id, p]) => [id, p.text])), request);
  }
}

/**
 * Checks operator entities (only `Resource` and `Group`, bounded, each once) and completes each
 * resource with `uri` (its id, an absolute URI) and the default sensitivity.
 */
function completeEntities(entities: readonly EntityJson[], problems: PolicyProblem[]): EntityJson[] {
  if (entities.length > MAX_ENTITIES) {
    problems.push({ policyId: null, line: null, column: null, message: `at most ${MAX_ENTITIES} entities` });
    return [];
  }
  const seen = new Set<string>();
  const completed: EntityJson[] = [];
  for (const entity of entities) {
    const uid = uidOf(entity);
    const name = `${uid.type}::${JSON.stringify(uid.id)}`;
    if (!OPERATOR_ENTITY_TYPES.includes(uid.type)) {
      problems.push({ policyId: null, line: null, column: null, message: `entity ${name}: only ${OPERATOR_ENTITY_TYPES.join(' and ')} entities can be described (agents and people come from the registry)` });
      continue;
    }
    if (seen.has(name)) {
      problems.push({ policyId: null, line: null, column: null, message: `entity ${name} is described twice` });
      continue;
    }
    seen.add(name);
    if (uid.type === 'Resource') {
      if (!URL.canParse(uid.id) || uid.id.includes('#')) {
        problems.push({ policyId: null, line: null, column: null, message: `entity ${name}: a Resource id is an absolute URI without a fragment (RFC 8707 §2)` });
        continue;
      }
      completed.push({ ...entity, attrs: { sensitivity: DEFAULT_SENSITIVITY, ...entity.attrs, uri: uid.id }, tags: entity.tags ?? {} });
    } else {
      completed.push(entity);
    }
  }
  for (const error of checkEntities(POLICY_SCHEMA, completed)) problems.push({ ...locate('', 0, null, error), line: null, column: null });
  return completed;
}

function uidOf(entity: EntityJson): { type: string; id: string } {
  const uid = entity.uid as { type?: unknown; id?: unknown; __entity?: { type: string; id: string } };
  if (uid.__entity !== undefined) return uid.__entity;
  return { type: String(uid.type), id: String(uid.id) };
}
