import type {
  AddCredentialRequest,
  Agent,
  AgentPage,
  AgentTokenPage,
  AgentTokensQuery,
  Anomaly,
  AnomalyPage,
  ApiKey,
  ApiKeyList,
  ApiKeyLookup,
  AuditCheckpointPage,
  AuditHead,
  AuditOptions,
  AuditPage,
  AuditVerdict,
  ClearCutoverRuleRequest,
  CreateAgentRequest,
  CreateApiKeyRequest,
  CreatedAgent,
  CreatedApiKey,
  CreatedCredential,
  CutoverPlan,
  CutoverPlanQuery,
  CutoverRule,
  CutoverRuleList,
  ImportedKey,
  ImportedKeyList,
  LeastPrivilegeQuery,
  LeastPrivilegeReport,
  LeastPrivilegeReportPage,
  ListAgentsOptions,
  ListAnomaliesQuery,
  MigrationReport,
  MigrationReportQuery,
  Rotation,
  SetCutoverRuleRequest,
  SiemStatus,
  SigningKeyList,
  TokenChain,
  TokenRevocation,
  UpdateAgentRequest,
} from './admin-types.js';
import { AdminTransport, auditParams, setIf, queryString, segment } from './admin-transport.js';

/**
 * The admin API's routes for the registry and its credentials: agents, signing keys, audit, tokens,
 * reports, managed and imported API keys with their cut-over, anomalies. `AdminClient` adds the
 * rest.
 */
export class RegistryAdminClient extends AdminTransport {
  async createAgent(body: CreateAgentRequest): Promise<CreatedAgent> {
    return this.json('POST', '/agents', body);
  }

  async listAgents(query: ListAgentsOptions = {}): Promise<AgentPage> {
    const params = new URLSearchParams();
    setIf(params, 'status', query.status);
    setIf(params, 'owner', query.owner);
    setIf(params, 'name', query.name);
    for (const label of query.labels ?? []) params.append('label', label);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/agents${queryString(params)}`);
  }

  async getAgent(id: string): Promise<Agent> {
    return this.json('GET', `/agents/${segment(id)}`);
  }

  async updateAgent(id: string, patch: UpdateAgentRequest): Promise<Agent> {
    return this.json('PATCH', `/agents/${segment(id)}`, patch);
  }

  /** `suspend` also makes every token the agent holds inactive at once. */
  async setAgentStatus(id: string, action: 'suspend' | 'resume' | 'disable'): Promise<Agent> {
    return this.json('POST', `/agents/${segment(id)}/${action}`);
  }

  async deleteAgent(id: string): Promise<void> {
    await this.send('DELETE', `/agents/${segment(id)}`);
  }

  async addCredential(agentId: string, body: AddCredentialRequest): Promise<CreatedCredential> {
    return this.json('POST', `/agents/${segment(agentId)}/credentials`, body);
  }

  async removeCredential(agentId: string, credentialId: string): Promise<void> {
    await this.send('DELETE', `/agents/${segment(agentId)}/credentials/${segment(credentialId)}`);
  }

  async listKeys(): Promise<SigningKeyList> {
    return this.json('GET', '/keys');
  }

  async rotateKeys(force: boolean): Promise<Rotation> {
    return this.json('POST', '/keys/rotate', force ? { force: true } : {});
  }

  async listAudit(query: AuditOptions = {}): Promise<AuditPage> {
    return this.json('GET', `/audit${queryString(auditParams(query))}`);
  }

  /** The export as a byte stream of ndjson, one record a line. */
  async exportAudit(query: Omit<AuditOptions, 'limit' | 'cursor'> = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send('GET', `/audit/export${queryString(auditParams(query))}`, undefined, 'application/x-ndjson');
    if (response.body === null) return new ReadableStream({ start: (controller) => controller.close() });
    return response.body;
  }

  /** Checks the hash chain, and with `expectHead` that it still holds that record (truncation). */
  async listAuditCheckpoints(query: { limit?: number; cursor?: string } = {}): Promise<AuditCheckpointPage> {
    const params = new URLSearchParams();
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/audit/checkpoints${queryString(params)}`);
  }

  /** The SIEM export's progress per sink (docs/monitoring.md, "SIEM export"). */
  async siemStatus(): Promise<SiemStatus> {
    return this.json('GET', '/audit/siem');
  }

  async verifyAudit(expectHead?: AuditHead): Promise<AuditVerdict> {
    return this.json('POST', '/audit/verify', expectHead === undefined ? undefined : { expect_head: expectHead });
  }

  /** The agent's unexpired tokens, oldest first. */
  async listAgentTokens(agentId: string, query: AgentTokensQuery = {}): Promise<AgentTokenPage> {
    const params = new URLSearchParams();
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/agents/${segment(agentId)}/tokens${queryString(params)}`);
  }

  /** The agent's least-privilege report over the last `since` days (`30d` when undefined). */
  async getAgentReport(agentId: string, since?: string): Promise<LeastPrivilegeReport> {
    const params = new URLSearchParams();
    setIf(params, 'since', since);
    return this.json('GET', `/agents/${segment(agentId)}/report${queryString(params)}`);
  }

  /** One page of every agent's least-privilege report, by agent id. */
  async listLeastPrivilegeReports(query: LeastPrivilegeQuery = {}): Promise<LeastPrivilegeReportPage> {
    const params = new URLSearchParams();
    setIf(params, 'since', query.since);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/reports/least-privilege${queryString(params)}`);
  }

  /** The migration progress report: calls by keys against calls by tokens, and keys needing attention. */
  async getMigrationReport(query: MigrationReportQuery = {}): Promise<MigrationReport> {
    const params = new URLSearchParams();
    setIf(params, 'since', query.since);
    setIf(params, 'unused_days', query.unused_days);
    setIf(params, 'sunset', query.sunset);
    return this.json('GET', `/migration/report${queryString(params)}`);
  }

  /** The key cut-over rules and the stage each puts its keys in now. */
  async listCutoverRules(): Promise<CutoverRuleList> {
    return this.json('GET', '/migration/cutover/rules');
  }

  /** Creates or replaces the cut-over rule of a key, an agent or a resource. */
  async setCutoverRule(body: SetCutoverRuleRequest): Promise<CutoverRule> {
    return this.json('POST', '/migration/cutover/rules', body);
  }

  /** Removes the cut-over rule of a target. */
  async clearCutoverRule(body: ClearCutoverRuleRequest): Promise<CutoverRule> {
    return this.json('POST', '/migration/cutover/rules/clear', body);
  }

  /** The dry run: keys blocked or warned at a date. */
  async getCutoverPlan(query: CutoverPlanQuery = {}): Promise<CutoverPlan> {
    const params = new URLSearchParams();
    setIf(params, 'at', query.at);
    return this.json('GET', `/migration/cutover/plan${queryString(params)}`);
  }

  /** The RFC 8693 lineage of an issued token. */
  async getTokenChain(jti: string): Promise<TokenChain> {
    return this.json('GET', `/tokens/${segment(jti)}/chain`);
  }

  /** Revokes a token by jti, and every token exchanged from it. */
  async revokeToken(jti: string): Promise<TokenRevocation> {
    return this.json('POST', `/tokens/${segment(jti)}/revoke`);
  }

  /** Every receiver's Shared Signals streams (docs/signals.md), a page at a time. */
  /** Anomalies newest first (docs/monitoring.md). */
  async listAnomalies(query: ListAnomaliesQuery = {}): Promise<AnomalyPage> {
    const params = new URLSearchParams();
    setIf(params, 'agent_id', query.agent_id);
    setIf(params, 'state', query.state);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/anomalies${queryString(params)}`);
  }

  async getAnomaly(id: string): Promise<Anomaly> {
    return this.json('GET', `/anomalies/${segment(id)}`);
  }

  /** Moves an anomaly to `acknowledged` or `resolved`, with an optional note. */
  async changeAnomaly(id: string, action: 'acknowledge' | 'resolve', note: string | undefined): Promise<Anomaly> {
    return this.json('POST', `/anomalies/${segment(id)}/${action}`, note === undefined ? {} : { note });
  }

  /** A managed API key for the agent (docs/migration.md); the answer holds the key, shown once. */
  async createApiKey(agentId: string, body: CreateApiKeyRequest): Promise<CreatedApiKey> {
    return this.json('POST', `/agents/${segment(agentId)}/api-keys`, body);
  }

  async listApiKeys(agentId: string | undefined, limit: number | undefined): Promise<ApiKeyList> {
    const params = new URLSearchParams();
    if (agentId !== undefined) params.set('agent_id', agentId);
    if (limit !== undefined) params.set('limit', String(limit));
    return this.json('GET', `/api-keys${queryString(params)}`);
  }

  async getApiKey(id: string): Promise<ApiKey> {
    return this.json('GET', `/api-keys/${segment(id)}`);
  }

  /** A successor key (shown once); the old one works for `overlap` more seconds. */
  async rotateApiKey(id: string, overlap: number, ttl?: number): Promise<CreatedApiKey> {
    return this.json('POST', `/api-keys/${segment(id)}/rotate`, ttl === undefined ? { overlap } : { overlap, ttl });
  }

  async revokeApiKey(id: string): Promise<ApiKey> {
    return this.json('POST', `/api-keys/${segment(id)}/revoke`, {});
  }

  /** Imports third-party keys by digest, all or nothing (docs/migration.md); a refusal carries `lines`. */
  async importKeys(keys: readonly Record<string, unknown>[]): Promise<ImportedKeyList> {
    return this.json('POST', '/imported-keys/import', { keys });
  }

  async listImportedKeys(agentId: string | undefined, limit: number | undefined): Promise<ImportedKeyList> {
    const params = new URLSearchParams();
    if (agentId !== undefined) params.set('agent_id', agentId);
    if (limit !== undefined) params.set('limit', String(limit));
    return this.json('GET', `/imported-keys${queryString(params)}`);
  }

  async getImportedKey(id: string): Promise<ImportedKey> {
    return this.json('GET', `/imported-keys/${segment(id)}`);
  }

  async revokeImportedKey(id: string): Promise<ImportedKey> {
    return this.json('POST', `/imported-keys/${segment(id)}/revoke`, {});
  }

  /** The managed key with this SHA-256 (lowercase hex), if any, and its state; the key itself is never sent. */
  async lookupApiKey(keySha256: string): Promise<ApiKeyLookup> {
    return this.json('POST', '/api-keys/lookup', { key_sha256: keySha256 });
  }
}
