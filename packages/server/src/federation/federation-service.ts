import { changeRecord, type AuditContext } from '../audit/change-record.js';
import { FederationError } from './federation-error.js';
import type { AuditEvent } from '../events/audit-events.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AuditInput } from '../store/records.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import { newBindingRuleId, newTrustedIssuerId } from './federation-ids.js';
import type { BindingRuleRecord, FederationStore, TrustedIssuerRecord } from '../store/ports/federation-store.js';
import { TRUSTED_ISSUER_DEFAULTS, validateBindingRule, validateTrustedIssuer, type BindingRuleInput, type TrustedIssuerInput } from './validate-federation-input.js';

/** The slice of `Deps` the service needs, plus the cache hook. */
export interface FederationServiceDeps {
  /** Our own issuer identifier, which may never be trusted as a federated issuer. */
  issuer: string;
  clock: Clock;
  random: Random;
  store: FederationStore;
  agents: Pick<AgentStore, 'getAgent'>;
  /** Called after every committed change; resolves when this process's caches see it. */
  onChanged: () => Promise<void>;
}

/**
 * Trusted issuers and binding rules as the admin API manages them. Every
 * change is validated, committed with its audit record in one transaction (`trusted_issuer.*`,
 * `binding_rule.*`) and pushed to the federation cache of this process before the call returns; other nodes see it through the store's
 * change counter.
 */
export class FederationService {
  constructor(private readonly deps: FederationServiceDeps) {}

  async createTrustedIssuer(input: TrustedIssuerInput & { issuer: string; audiences: string[] }, ctx: AuditContext): Promise<TrustedIssuerRecord> {
    const now = this.deps.clock.now();
    const fields = validateTrustedIssuer(
      input,
      { issuer: '', jwksUri: null, jwks: null, audiences: [], algorithms: [...TRUSTED_ISSUER_DEFAULTS.algorithms], maxTokenLifetime: TRUSTED_ISSUER_DEFAULTS.maxTokenLifetime, allowTokenReuse: false, description: '' },
      this.deps.issuer,
    );
    const record: TrustedIssuerRecord = { id: newTrustedIssuerId(this.deps.random), ...fields, createdAt: now, updatedAt: now };
    try {
      await this.deps.store.createTrustedIssuer(record, [this.record('trusted_issuer.created', ctx, issuerFacts(record))]);
    } catch (error) {
      if (error instanceof ConflictError) throw new FederationError('conflict', 'this issuer is already trusted');
      throw error;
    }
    await this.deps.onChanged();
    return record;
  }

  async getTrustedIssuer(id: string): Promise<TrustedIssuerRecord> {
    const record = await this.deps.store.getTrustedIssuer(id);
    if (record === undefined) throw new FederationError('not_found', 'no such trusted issuer');
    return record;
  }

  listTrustedIssuers(): Promise<TrustedIssuerRecord[]> {
    return this.deps.store.listTrustedIssuers();
  }

  async updateTrustedIssuer(id: string, input: Omit<TrustedIssuerInput, 'issuer'>, ctx: AuditContext): Promise<TrustedIssuerRecord> {
    const current = await this.getTrustedIssuer(id);
    // Moving between jwks_uri and jwks in one PATCH: naming one clears the other.
    const switched = { ...input };
    if (input.jwks !== undefined && input.jwks !== null && input.jwksUri === undefined) switched.jwksUri = null;
    if (input.jwksUri !== undefined && input.jwksUri !== null && input.jwks === undefined) switched.jwks = null;
    const fields = validateTrustedIssuer(switched, current, this.deps.issuer);
    const { issuer: _issuer, ...patch } = fields;
    const updated = await this.deps.store.updateTrustedIssuer(id, patch, this.deps.clock.now(), (after) => [this.record('trusted_issuer.updated', ctx, { ...issuerFacts(after), fields: Object.keys(input) })]);
    if (updated === undefined) throw new FederationError('not_found', 'no such trusted issuer');
    await this.deps.onChanged();
    return updated;
  }

  async deleteTrustedIssuer(id: string, ctx: AuditContext): Promise<void> {
    const current = await this.getTrustedIssuer(id);
    const result = await this.deps.store.deleteTrustedIssuer(id, [this.record('trusted_issuer.deleted', ctx, issuerFacts(current))]);
    if (result === 'not_found') throw new FederationError('not_found', 'no such trusted issuer');
    if (result === 'in_use') throw new FederationError('conflict', 'the issuer still has binding rules; remove them first');
    await this.deps.onChanged();
  }

  async createBindingRule(input: BindingRuleInput & { issuerId: string; agentId: string; claims: Record<string, string> }, ctx: AuditContext): Promise<BindingRuleRecord> {
    const now = this.deps.clock.now();
    const fields = validateBindingRule(input, { claims: {}, description: '' });
    if ((await this.deps.store.getTrustedIssuer(input.issuerId)) === undefined) throw new FederationError('validation_failed', 'issuer_id names no trusted issuer');
    if ((await this.deps.agents.getAgent(input.agentId)) === undefined) throw new FederationError('validation_failed', 'agent_id names no agent');
    const record: BindingRuleRecord = { id: newBindingRuleId(this.deps.random), issuerId: input.issuerId, agentId: input.agentId, ...fields, createdAt: now, updatedAt: now };
    try {
      await this.deps.store.createBindingRule(record, [this.record('binding_rule.created', ctx, ruleFacts(record), record.agentId)]);
    } catch (error) {
      // The issuer or the agent went away between the checks and the insert.
      if (error instanceof ConflictError) throw new FederationError('conflict', 'the issuer or the agent was just removed');
      throw error;
    }
    await this.deps.onChanged();
    return record;
  }

  async getBindingRule(id: string): Promise<BindingRuleRecord> {
    const record = await this.deps.store.getBindingRule(id);
    if (record === undefined) throw new FederationError('not_found', 'no such binding rule');
    return record;
  }

  listBindingRules(filter: { issuerId?: string; agentId?: string }): Promise<BindingRuleRecord[]> {
    return this.deps.store.listBindingRules(filter);
  }

  async updateBindingRule(id: string, input: BindingRuleInput, ctx: AuditContext): Promise<BindingRuleRecord> {
    const current = await this.getBindingRule(id);
    const fields = validateBindingRule(input, current);
    const updated = await this.deps.store.updateBindingRule(id, fields, this.deps.clock.now(), (after) => [this.record('binding_rule.updated', ctx, ruleFacts(after), after.agentId)]);
    if (updated === undefined) throw new FederationError('not_found', 'no such binding rule');
    await this.deps.onChanged();
    return updated;
  }

  async deleteBindingRule(id: string, ctx: AuditContext): Promise<void> {
    const current = await this.getBindingRule(id);
    if (!(await this.deps.store.deleteBindingRule(id, [this.record('binding_rule.deleted', ctx, ruleFacts(current), current.agentId)]))) throw new FederationError('not_found', 'no such binding rule');
    await this.deps.onChanged();
  }

  /** The audit record of a change, written by the store in the change's own transaction. */
  private record(event: AuditEvent, ctx: AuditContext, details: Record<string, unknown>, agentId: string | null = null): AuditInput {
    return changeRecord(this.deps.clock.now(), event, ctx, details, agentId);
  }
}

/** Non-secret facts of an issuer for the audit record (keys by kid only). */
function issuerFacts(r: TrustedIssuerRecord): Record<string, unknown> {
  return {
    trusted_issuer_id: r.id,
    issuer: r.issuer.slice(0, 300),
    jwks_uri: r.jwksUri === null ? null : r.jwksUri.slice(0, 300),
    jwks_kids: r.jwks?.keys.map((k) => k.kid ?? null) ?? null,
    audiences: bounded(r.audiences),
    algorithms: r.algorithms,
    max_token_lifetime: r.maxTokenLifetime,
    allow_token_reuse: r.allowTokenReuse,
  };
}

function ruleFacts(r: BindingRuleRecord): Record<string, unknown> {
  return { binding_rule_id: r.id, trusted_issuer_id: r.issuerId, agent_id: r.agentId, claims: bounded(r.claims) };
}

/** Audit details are bounded (4 KiB); a large value is summarised rather than refused. */
function bounded(value: string[] | Record<string, string>): unknown {
  if (JSON.stringify(value).length <= 1500) return value;
  return { truncated: true, entries: Object.keys(value).length };
}
