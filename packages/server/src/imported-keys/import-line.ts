import { isKeyDigest } from '@agentauth/protocol';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { AGENT_LIMITS, LABEL_KEY_PATTERN } from '../agents/validate-agent-input.js';
import type { ImportLineError } from './key-import-error.js';

/** One line of an import batch as the caller sent it, shape-checked; agents are checked later. */
export interface ImportLine {
  line: number;
  keyDigest: string;
  agentId: string;
  owner?: string;
  scopes?: string[];
  resources?: string[];
  labels?: Record<string, string>;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
}

const MEMBERS = new Set(['line', 'key_digest', 'agent_id', 'owner', 'scopes', 'resources', 'labels', 'expires_at']);
/** RFC 3339 §5.6 date-time, with a zone. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
/** Member names worth repeating in an error: snake_case, as ours are; anything else is not echoed. */
const MEMBER_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const stringList = (value: unknown, max: number, itemMax: number): value is string[] =>
  Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string' && item.length > 0 && item.length <= itemMax);

/**
 * Reads one line of an import batch (docs/migration.md, "Keys you already have") and names every
 * fault in it. `position` is its 1-based place in the batch, used when it carries no `line`. The
 * messages name the member and the rule, never a value: a line may hold a pasted key by mistake.
 */
export function readImportLine(raw: unknown, position: number): { line: ImportLine } | { errors: ImportLineError[] } {
  const object = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  const lineValue = object?.['line'];
  const line = Number.isSafeInteger(lineValue) && (lineValue as number) > 0 ? (lineValue as number) : position;
  if (object === undefined) return { errors: [{ line, message: 'each line must be a JSON object' }] };
  const errors: ImportLineError[] = [];
  const fault = (field: string, message: string) => errors.push({ line, field, message });

  for (const member of Object.keys(object)) {
    if (!MEMBERS.has(member)) errors.push({ line, message: MEMBER_NAME.test(member) ? `unknown member: ${member}` : 'unknown member' });
  }
  if (lineValue !== undefined && line !== lineValue) fault('line', 'must be a positive integer');
  const digest = object['key_digest'];
  if (!isKeyDigest(digest)) fault('key_digest', 'must be the SHA-256 of the key as 64 lowercase hex characters (sha256sum), never the key');
  const agentId = object['agent_id'];
  if (typeof agentId !== 'string' || !AGENT_ID_PATTERN.test(agentId)) fault('agent_id', 'must be an agent id (agt_...)');
  const owner = object['owner'];
  if (owner !== undefined && (typeof owner !== 'string' || owner.length === 0 || owner.length > AGENT_LIMITS.ownerMax)) fault('owner', `must be a string of 1..${AGENT_LIMITS.ownerMax} characters`);
  const scopes = object['scopes'];
  if (scopes !== undefined && !stringList(scopes, AGENT_LIMITS.scopesMax, AGENT_LIMITS.scopeMax)) fault('scopes', `must be a list of at most ${AGENT_LIMITS.scopesMax} scope strings`);
  const resources = object['resources'];
  if (resources !== undefined && !stringList(resources, AGENT_LIMITS.resourcesMax, AGENT_LIMITS.uriMax)) fault('resources', `must be a list of at most ${AGENT_LIMITS.resourcesMax} resource URIs`);
  const labels = object['labels'];
  if (labels !== undefined) {
    const entries = typeof labels === 'object' && labels !== null && !Array.isArray(labels) ? Object.entries(labels) : undefined;
    const ok = entries !== undefined && entries.length <= AGENT_LIMITS.labelsMax && entries.every(([k, v]) => LABEL_KEY_PATTERN.test(k) && typeof v === 'string' && v.length <= AGENT_LIMITS.labelValueMax);
    if (!ok) fault('labels', `must be at most ${AGENT_LIMITS.labelsMax} key=value pairs, keys matching ${LABEL_KEY_PATTERN.source}`);
  }
  const expires = object['expires_at'];
  let expiresAt: number | undefined;
  if (expires !== undefined) {
    expiresAt = typeof expires === 'string' && RFC3339.test(expires) ? Date.parse(expires) : Number.NaN;
    if (Number.isNaN(expiresAt)) fault('expires_at', 'must be an RFC 3339 date-time with a zone, such as 2027-03-01T00:00:00Z');
  }
  if (errors.length > 0) return { errors };
  return {
    line: {
      line,
      keyDigest: digest as string,
      agentId: agentId as string,
      ...(owner === undefined ? {} : { owner: owner as string }),
      ...(scopes === undefined ? {} : { scopes: [...new Set(scopes as string[])] }),
      ...(resources === undefined ? {} : { resources: [...new Set(resources as string[])] }),
      ...(labels === undefined ? {} : { labels: { ...(labels as Record<string, string>) } }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    },
  };
}
