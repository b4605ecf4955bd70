import type {
  AddCredentialRequest,
  Anomaly,
  AnomalyPage,
  ListAnomaliesQuery,
  Agent,
  AgentPage,
  AgentTokenPage,
  AgentTokensQuery,
  AuditCheckpointPage,
  AuditHead,
  AuditOptions,
  AuditPage,
  AuditVerdict,
  SiemStatus,
  BindingRule,
  BindingRuleList,
  Certificate,
  CertificateAuthority,
  CertificatePage,
  CreateAgentRequest,
  CreateBindingRuleRequest,
  DelegationList,
  AppliedPolicyChange,
  ApplyPoliciesRequest,
  CreatedAgent,
  CreatedCredential,
  EnrollmentToken,
  ApiKey,
  ApiKeyList,
  ApiKeyLookup,
  CreatedApiKey,
  CreateApiKeyRequest,
  ImportedKey,
  ImportedKeyList,
  ImportCaRequest,
  IssuedCertificate,
  LeastPrivilegeQuery,
  LeastPrivilegeReport,
  LeastPrivilegeReportPage,
  MigrationReport,
  MigrationReportQuery,
  ClearCutoverRuleRequest,
  CutoverPlan,
  CutoverPlanQuery,
  CutoverRule,
  CutoverRuleList,
  SetCutoverRuleRequest,
  ListAgentsOptions,
  ListBindingRulesQuery,
  ListCertificatesQuery,
  ListStreamsQuery,
  Policy,
  PolicyDiffReport,
  PolicyDiffRequest,
  PolicyList,
  PolicySetHistory,
  PolicyTestResult,
  PolicyValidation,
  Rotation,
  TestPoliciesRequest,
  ValidatePoliciesRequest,
  SigningKeyList,
  SsfStreamPage,
  TokenChain,
  TokenRevocation,
  TrustedIssuer,
  User,
  UserPage,
  UpdateUserRequest,
  CreateUserRequest,
  CreateLoginProviderRequest,
  LoginProvider,
  LoginProviderList,
  UpdateLoginProviderRequest,
  TrustedIssuerList,
  TrustedIssuerOptions,
  UpdateAgentRequest,
} from './admin-types.js';
import { AdminApiError, toAdminError } from './admin-api-error.js';
import { reachableFetch } from './cli-errors.js';

/** Bounds what we buffer from one JSON answer; exports are streamed instead. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Options of {@link AdminClient}. */
export interface AdminClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`; `/admin/v1` is appended. */
  baseUrl: string;
  /** The bearer token: the bootstrap token or an access token with `agentauth:admin`. */
  token: string;
  fetch?: typeof fetch;
}

/**
 * A small typed client of the admin API (docs/admin-api.md). Every method throws
 * {@link AdminApiError} for an error answer and `ServerUnreachableError` when there is no answer.
 * The token is only ever put in the Authorization header.
 */
export class AdminClient {
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: AdminClientOptions) {
    if (typeof options.token !== 'string' || options.token === '') throw new TypeError('token must be a non-empty string');
    this.#base = `${options.baseUrl.replace(/\/+$/, '')}/admin/v1`;
    this.#token = options.token;
    this.#fetch = reachableFetch(options.fetch ?? fetch);
  }

  async createAgent(body: CreateAgentRequest): Promise<CreatedAgent> {
    return this.#json('POST', '/agents', body);
  }

  async listAgents(query: ListAgentsOptions = {}): Promise<AgentPage> {
    const params = new URLSearchParams();
    setIf(params, 'status', query.status);
    setIf(params, 'owner', query.owner);
    setIf(params, 'name', query.name);
    for (const label of query.labels ?? []) params.append('label', label);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/agents${queryString(params)}`);
  }

  async getAgent(id: string): Promise<Agent> {
    return this.#json('GET', `/agents/${segment(id)}`);
  }

  async updateAgent(id: string, patch: UpdateAgentRequest): Promise<Agent> {
    return this.#json('PATCH', `/agents/${segment(id)}`, patch);
  }

  /** `suspend` also makes every token the agent holds inactive at once. */
  async setAgentStatus(id: string, action: 'suspend' | 'resume' | 'disable'): Promise<Agent> {
    return this.#json('POST', `/agents/${segment(id)}/${action}`);
  }

  async deleteAgent(id: string): Promise<void> {
    await this.#send('DELETE', `/agents/${segment(id)}`);
  }

  async addCredential(agentId: string, body: AddCredentialRequest): Promise<CreatedCredential> {
    return this.#json('POST', `/agents/${segment(agentId)}/credentials`, body);
  }

  async removeCredential(agentId: string, credentialId: string): Promise<void> {
    await this.#send('DELETE', `/agents/${segment(agentId)}/credentials/${segment(credentialId)}`);
  }

  async listKeys(): Promise<SigningKeyList> {
    return this.#json('GET', '/keys');
  }

  async rotateKeys(force: boolean): Promise<Rotation> {
    return this.#json('POST', '/keys/rotate', force ? { force: true } : {});
  }

  async listAudit(query: AuditOptions = {}): Promise<AuditPage> {
    return this.#json('GET', `/audit${queryString(auditParams(query))}`);
  }

  /** The export as a byte stream of ndjson, one record a line. */
  async exportAudit(query: Omit<AuditOptions, 'limit' | 'cursor'> = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#send('GET', `/audit/export${queryString(auditParams(query))}`, undefined, 'application/x-ndjson');
    if (response.body === null) return new ReadableStream({ start: (controller) => controller.close() });
    return response.body;
  }

  /** Checks the hash chain, and with `expectHead` that it still holds that record (truncation). */
  async listAuditCheckpoints(query: { limit?: number; cursor?: string } = {}): Promise<AuditCheckpointPage> {
    const params = new URLSearchParams();
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/audit/checkpoints${queryString(params)}`);
  }

  /** The SIEM export's progress per sink (docs/monitoring.md, "SIEM export"). */
  async siemStatus(): Promise<SiemStatus> {
    return this.#json('GET', '/audit/siem');
  }

  async verifyAudit(expectHead?: AuditHead): Promise<AuditVerdict> {
    return this.#json('POST', '/audit/verify', expectHead === undefined ? undefined : { expect_head: expectHead });
  }

  /** The agent's unexpired tokens, oldest first. */
  async listAgentTokens(agentId: string, query: AgentTokensQuery = {}): Promise<AgentTokenPage> {
    const params = new URLSearchParams();
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/agents/${segment(agentId)}/tokens${queryString(params)}`);
  }

  /** The agent's least-privilege report over the last `since` days (`30d` when undefined). */
  async getAgentReport(agentId: string, since?: string): Promise<LeastPrivilegeReport> {
    const params = new URLSearchParams();
    setIf(params, 'since', since);
    return this.#json('GET', `/agents/${segment(agentId)}/report${queryString(params)}`);
  }

  /** One page of every agent's least-privilege report, by agent id. */
  async listLeastPrivilegeReports(query: LeastPrivilegeQuery = {}): Promise<LeastPrivilegeReportPage> {
    const params = new URLSearchParams();
    setIf(params, 'since', query.since);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/reports/least-privilege${queryString(params)}`);
  }

  /** The migration progress report: calls by keys against calls by tokens, and keys needing attention. */
  async getMigrationReport(query: MigrationReportQuery = {}): Promise<MigrationReport> {
    const params = new URLSearchParams();
    setIf(params, 'since', query.since);
    setIf(params, 'unused_days', query.unused_days);
    setIf(params, 'sunset', query.sunset);
    return this.#json('GET', `/migration/report${queryString(params)}`);
  }

  /** The key cut-over rules and the stage each puts its keys in now. */
  async listCutoverRules(): Promise<CutoverRuleList> {
    return this.#json('GET', '/migration/cutover/rules');
  }

  /** Creates or replaces the cut-over rule of a key, an agent or a resource. */
  async setCutoverRule(body: SetCutoverRuleRequest): Promise<CutoverRule> {
    return this.#json('POST', '/migration/cutover/rules', body);
  }

  /** Removes the cut-over rule of a target. */
  async clearCutoverRule(body: ClearCutoverRuleRequest): Promise<CutoverRule> {
    return this.#json('POST', '/migration/cutover/rules/clear', body);
  }

  /** The dry run: keys blocked or warned at a date. */
  async getCutoverPlan(query: CutoverPlanQuery = {}): Promise<CutoverPlan> {
    const params = new URLSearchParams();
    setIf(params, 'at', query.at);
    return this.#json('GET', `/migration/cutover/plan${queryString(params)}`);
  }

  /** The RFC 8693 lineage of an issued token. */
  async getTokenChain(jti: string): Promise<TokenChain> {
    return this.#json('GET', `/tokens/${segment(jti)}/chain`);
  }

  /** Revokes a token by jti, and every token exchanged from it. */
  async revokeToken(jti: string): Promise<TokenRevocation> {
    return this.#json('POST', `/tokens/${segment(jti)}/revoke`);
  }

  /** Upstream OpenID Connect providers people sign in through (docs/people.md). */
  async createLoginProvider(body: CreateLoginProviderRequest): Promise<LoginProvider> {
    return this.#json('POST', '/login-providers', body);
  }

  async listLoginProviders(): Promise<LoginProviderList> {
    return this.#json('GET', '/login-providers');
  }

  async getLoginProvider(id: string): Promise<LoginProvider> {
    return this.#json('GET', `/login-providers/${segment(id)}`);
  }

  async updateLoginProvider(id: string, patch: UpdateLoginProviderRequest): Promise<LoginProvider> {
    return this.#json('PATCH', `/login-providers/${segment(id)}`, patch);
  }

  async deleteLoginProvider(id: string): Promise<void> {
    await this.#send('DELETE', `/login-providers/${segment(id)}`);
  }

  /** Trusted issuers for federated workload login (docs/federation.md). */
  async createUser(body: CreateUserRequest): Promise<User> {
    return this.#json('POST', '/users', body);
  }

  async listUsers(query: { limit?: number; cursor?: string } = {}): Promise<UserPage> {
    const params = new URLSearchParams();
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/users${queryString(params)}`);
  }

  async getUser(id: string): Promise<User> {
    return this.#json('GET', `/users/${segment(id)}`);
  }

  async updateUser(id: string, patch: UpdateUserRequest): Promise<User> {
    return this.#json('PATCH', `/users/${segment(id)}`, patch);
  }

  /** `suspend` also ends every session the person holds. */
  async setUserStatus(id: string, action: 'suspend' | 'resume' | 'disable'): Promise<User> {
    return this.#json('POST', `/users/${segment(id)}/${action}`);
  }

  async deleteUser(id: string): Promise<void> {
    await this.#send('DELETE', `/users/${segment(id)}`);
  }

  async setUserPassword(id: string, password: string): Promise<User> {
    return this.#json('POST', `/users/${segment(id)}/password`, { password });
  }

  async resetUserTotp(id: string): Promise<User> {
    return this.#json('DELETE', `/users/${segment(id)}/totp`);
  }

  /** The agents acting for a person (RFC 8693 exchanges of their tokens), revoked ones included. */
  async listUserDelegations(id: string): Promise<DelegationList> {
    return this.#json('GET', `/users/${segment(id)}/delegations`);
  }

  /** Revokes an agent acting for a person, and every token it obtained for them. */
  async revokeUserDelegation(id: string, agentId: string): Promise<void> {
    await this.#send('POST', `/users/${segment(id)}/delegations/${segment(agentId)}/revoke`);
  }

  async listTrustedIssuers(): Promise<TrustedIssuerList> {
    return this.#json('GET', '/trusted-issuers');
  }

  async createTrustedIssuer(body: TrustedIssuerOptions): Promise<TrustedIssuer> {
    return this.#json('POST', '/trusted-issuers', body);
  }

  async deleteTrustedIssuer(id: string): Promise<void> {
    await this.#send('DELETE', `/trusted-issuers/${segment(id)}`);
  }

  async listBindingRules(query: ListBindingRulesQuery = {}): Promise<BindingRuleList> {
    const params = new URLSearchParams();
    setIf(params, 'issuer_id', query.issuer_id);
    setIf(params, 'agent_id', query.agent_id);
    return this.#json('GET', `/binding-rules${queryString(params)}`);
  }

  async createBindingRule(body: CreateBindingRuleRequest): Promise<BindingRule> {
    return this.#json('POST', '/binding-rules', body);
  }

  /** Every receiver's Shared Signals streams (docs/signals.md), a page at a time. */
  /** Anomalies newest first (docs/monitoring.md). */
  async listAnomalies(query: ListAnomaliesQuery = {}): Promise<AnomalyPage> {
    const params = new URLSearchParams();
    setIf(params, 'agent_id', query.agent_id);
    setIf(params, 'state', query.state);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/anomalies${queryString(params)}`);
  }

  async getAnomaly(id: string): Promise<Anomaly> {
    return this.#json('GET', `/anomalies/${segment(id)}`);
  }

  /** Moves an anomaly to `acknowledged` or `resolved`, with an optional note. */
  async changeAnomaly(id: string, action: 'acknowledge' | 'resolve', note: string | undefined): Promise<Anomaly> {
    return this.#json('POST', `/anomalies/${segment(id)}/${action}`, note === undefined ? {} : { note });
  }

  async listStreams(query: ListStreamsQuery = {}): Promise<SsfStreamPage> {
    const params = new URLSearchParams();
    setIf(params, 'agent_id', query.agent_id);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/streams${queryString(params)}`);
  }

  /** Deletes a stream and its queue; its receiver gets 404 and may create another. */
  async deleteStream(id: string): Promise<void> {
    await this.#send('DELETE', `/streams/${segment(id)}`);
  }

  async deleteBindingRule(id: string): Promise<void> {
    await this.#send('DELETE', `/binding-rules/${segment(id)}`);
  }

  /** Issued certificates, newest first (docs/ca.md). */
  async listCertificates(query: ListCertificatesQuery = {}): Promise<CertificatePage> {
    const params = new URLSearchParams();
    setIf(params, 'agent_id', query.agent_id);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.#json('GET', `/certificates${queryString(params)}`);
  }

  /** Revokes a certificate by serial (hex); its CRL is reissued before the answer. */
  async revokeCertificate(serial: string): Promise<Certificate> {
    return this.#json('POST', `/certificates/${segment(serial)}/revoke`);
  }

  /** Issues the agent's X.509-SVID from a PEM CSR made by the caller. */
  async issueAgentCertificate(agentId: string, csrPem: string): Promise<IssuedCertificate> {
    return this.#json('POST', `/agents/${segment(agentId)}/certificates`, { csr: csrPem });
  }

  /** A one-time enrolment token for the agent (docs/agent-sdk.md); `ttl` in seconds. */
  async createEnrollmentToken(agentId: string, ttl?: number): Promise<EnrollmentToken> {
    return this.#json('POST', `/agents/${segment(agentId)}/enrollment-tokens`, ttl === undefined ? {} : { ttl });
  }

  /** A managed API key for the agent (docs/migration.md); the answer holds the key, shown once. */
  async createApiKey(agentId: string, body: CreateApiKeyRequest): Promise<CreatedApiKey> {
    return this.#json('POST', `/agents/${segment(agentId)}/api-keys`, body);
  }

  async listApiKeys(agentId: string | undefined, limit: number | undefined): Promise<ApiKeyList> {
    const params = new URLSearchParams();
    if (agentId !== undefined) params.set('agent_id', agentId);
    if (limit !== undefined) params.set('limit', String(limit));
    return this.#json('GET', `/api-keys${queryString(params)}`);
  }

  async getApiKey(id: string): Promise<ApiKey> {
    return this.#json('GET', `/api-keys/${segment(id)}`);
  }

  /** A successor key (shown once); the old one works for `overlap` more seconds. */
  async rotateApiKey(id: string, overlap: number, ttl?: number): Promise<CreatedApiKey> {
    return this.#json('POST', `/api-keys/${segment(id)}/rotate`, ttl === undefined ? { overlap } : { overlap, ttl });
  }

  async revokeApiKey(id: string): Promise<ApiKey> {
    return this.#json('POST', `/api-keys/${segment(id)}/revoke`, {});
  }

  /** Imports third-party keys by digest, all or nothing (docs/migration.md); a refusal carries `lines`. */
  async importKeys(keys: readonly Record<string, unknown>[]): Promise<ImportedKeyList> {
    return this.#json('POST', '/imported-keys/import', { keys });
  }

  async listImportedKeys(agentId: string | undefined, limit: number | undefined): Promise<ImportedKeyList> {
    const params = new URLSearchParams();
    if (agentId !== undefined) params.set('agent_id', agentId);
    if (limit !== undefined) params.set('limit', String(limit));
    return this.#json('GET', `/imported-keys${queryString(params)}`);
  }

  async getImportedKey(id: string): Promise<ImportedKey> {
    return this.#json('GET', `/imported-keys/${segment(id)}`);
  }

  async revokeImportedKey(id: string): Promise<ImportedKey> {
    return this.#json('POST', `/imported-keys/${segment(id)}/revoke`, {});
  }

  /** The managed key with this SHA-256 (lowercase hex), if any, and its state; the key itself is never sent. */
  async lookupApiKey(keySha256: string): Promise<ApiKeyLookup> {
    return this.#json('POST', '/api-keys/lookup', { key_sha256: keySha256 });
  }

  async getCa(): Promise<CertificateAuthority> {
    return this.#json('GET', '/ca');
  }

  async rotateCa(): Promise<CertificateAuthority> {
    return this.#json('POST', '/ca/rotate');
  }

  async importCa(body: ImportCaRequest): Promise<CertificateAuthority> {
    return this.#json('POST', '/ca/import', body);
  }

  /** The policy set in force, by policy (docs/admin-api.md, "Policies"). */
  async listPolicies(): Promise<PolicyList> {
    return this.#json('GET', '/policies');
  }

  async getPolicy(id: string): Promise<Policy> {
    return this.#json('GET', `/policies/${segment(id)}`);
  }

  /** Applied versions of the set, newest first. */
  async policyHistory(limit?: number): Promise<PolicySetHistory> {
    return this.#json('GET', `/policy-sets${limit === undefined ? '' : `?limit=${limit}`}`);
  }

  /** Throws an `AdminApiError` `policy_invalid` with `problems` when the source does not validate. */
  async validatePolicies(body: ValidatePoliciesRequest): Promise<PolicyValidation> {
    return this.#json('POST', '/policies/validate', body);
  }

  async applyPolicies(body: ApplyPoliciesRequest): Promise<AppliedPolicyChange> {
    return this.#json('POST', '/policies/apply', body);
  }

  async deletePolicy(id: string, expectedVersion?: number): Promise<AppliedPolicyChange> {
    return this.#json('DELETE', `/policies/${segment(id)}${expectedVersion === undefined ? '' : `?expected_version=${expectedVersion}`}`);
  }

  async testPolicies(body: TestPoliciesRequest): Promise<PolicyTestResult> {
    return this.#json('POST', '/policies/test', body);
  }

  /** The dry run: past decisions a proposed set would change. */
  async diffPolicies(body: PolicyDiffRequest): Promise<PolicyDiffReport> {
    return this.#json('POST', '/policies/diff', body);
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#send(method, path, body, 'application/json');
    const text = await response.text();
    if (text.length > MAX_JSON_BYTES) throw new AdminApiError(response.status, 'unexpected_response', 'Unexpected response', 'the answer is too large');
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminApiError(response.status, 'unexpected_response', 'Unexpected response', `the server answered HTTP ${response.status} without JSON`);
    }
  }

  async #send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.#fetch(`${this.#base}${path}`, {
      method,
      headers,
      redirect: 'error',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.ok) return response;
    throw await toAdminError(response);
  }
}

function auditParams(query: AuditOptions): URLSearchParams {
  const params = new URLSearchParams();
  setIf(params, 'agent_id', query.agent_id);
  setIf(params, 'event', query.event);
  setIf(params, 'outcome', query.outcome);
  setIf(params, 'from', query.from);
  setIf(params, 'to', query.to);
  setIf(params, 'limit', query.limit);
  setIf(params, 'cursor', query.cursor);
  return params;
}

function setIf(params: URLSearchParams, name: string, value: string | number | undefined): void {
  if (value !== undefined) params.set(name, String(value));
}

function queryString(params: URLSearchParams): string {
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Ids go into the path escaped, so `a/b` cannot address another route; `.` and `..` are refused
 * because URL parsing would resolve them even when escaped.
 */
function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new TypeError('an id must not be empty, "." or ".."');
  return encodeURIComponent(id);
}
