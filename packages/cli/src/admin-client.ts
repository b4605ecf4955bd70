import type {
  AppliedPolicyChange,
  ApplyPoliciesRequest,
  BindingRule,
  BindingRuleList,
  Certificate,
  CertificateAuthority,
  CertificatePage,
  CreateBindingRuleRequest,
  CreateLoginProviderRequest,
  CreateUserRequest,
  DelegationList,
  EnrollmentToken,
  ImportCaRequest,
  IssuedCertificate,
  ListBindingRulesQuery,
  ListCertificatesQuery,
  ListStreamsQuery,
  LoginProvider,
  LoginProviderList,
  Policy,
  PolicyDiffReport,
  PolicyDiffRequest,
  PolicyList,
  PolicySetHistory,
  PolicyTestResult,
  PolicyValidation,
  SsfStreamPage,
  TestPoliciesRequest,
  TrustedIssuer,
  TrustedIssuerList,
  TrustedIssuerOptions,
  UpdateLoginProviderRequest,
  UpdateUserRequest,
  User,
  UserPage,
  ValidatePoliciesRequest,
} from './admin-types.js';
import { setIf, queryString, segment } from './admin-transport.js';
import { RegistryAdminClient } from './registry-admin-client.js';

export type { AdminClientOptions } from './admin-transport.js';

/**
 * A small typed client of the admin API (docs/admin-api.md): the registry's routes
 * (`RegistryAdminClient`) and those of people, federation, streams, the CA and policies. Every
 * method throws `AdminApiError` for an error answer and `ServerUnreachableError` when there is no
 * answer. The token is only ever put in the Authorization header.
 */
export class AdminClient extends RegistryAdminClient {
  /** Upstream OpenID Connect providers people sign in through (docs/people.md). */
  async createLoginProvider(body: CreateLoginProviderRequest): Promise<LoginProvider> {
    return this.json('POST', '/login-providers', body);
  }

  async listLoginProviders(): Promise<LoginProviderList> {
    return this.json('GET', '/login-providers');
  }

  async getLoginProvider(id: string): Promise<LoginProvider> {
    return this.json('GET', `/login-providers/${segment(id)}`);
  }

  async updateLoginProvider(id: string, patch: UpdateLoginProviderRequest): Promise<LoginProvider> {
    return this.json('PATCH', `/login-providers/${segment(id)}`, patch);
  }

  async deleteLoginProvider(id: string): Promise<void> {
    await this.send('DELETE', `/login-providers/${segment(id)}`);
  }

  /** Trusted issuers for federated workload login (docs/federation.md). */
  async createUser(body: CreateUserRequest): Promise<User> {
    return this.json('POST', '/users', body);
  }

  async listUsers(query: { limit?: number; cursor?: string } = {}): Promise<UserPage> {
    const params = new URLSearchParams();
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/users${queryString(params)}`);
  }

  async getUser(id: string): Promise<User> {
    return this.json('GET', `/users/${segment(id)}`);
  }

  async updateUser(id: string, patch: UpdateUserRequest): Promise<User> {
    return this.json('PATCH', `/users/${segment(id)}`, patch);
  }

  /** `suspend` also ends every session the person holds. */
  async setUserStatus(id: string, action: 'suspend' | 'resume' | 'disable'): Promise<User> {
    return this.json('POST', `/users/${segment(id)}/${action}`);
  }

  async deleteUser(id: string): Promise<void> {
    await this.send('DELETE', `/users/${segment(id)}`);
  }

  async setUserPassword(id: string, password: string): Promise<User> {
    return this.json('POST', `/users/${segment(id)}/password`, { password });
  }

  async resetUserTotp(id: string): Promise<User> {
    return this.json('DELETE', `/users/${segment(id)}/totp`);
  }

  /** The agents acting for a person (RFC 8693 exchanges of their tokens), revoked ones included. */
  async listUserDelegations(id: string): Promise<DelegationList> {
    return this.json('GET', `/users/${segment(id)}/delegations`);
  }

  /** Revokes an agent acting for a person, and every token it obtained for them. */
  async revokeUserDelegation(id: string, agentId: string): Promise<void> {
    await this.send('POST', `/users/${segment(id)}/delegations/${segment(agentId)}/revoke`);
  }

  async listTrustedIssuers(): Promise<TrustedIssuerList> {
    return this.json('GET', '/trusted-issuers');
  }

  async createTrustedIssuer(body: TrustedIssuerOptions): Promise<TrustedIssuer> {
    return this.json('POST', '/trusted-issuers', body);
  }

  async deleteTrustedIssuer(id: string): Promise<void> {
    await this.send('DELETE', `/trusted-issuers/${segment(id)}`);
  }

  async listBindingRules(query: ListBindingRulesQuery = {}): Promise<BindingRuleList> {
    const params = new URLSearchParams();
    setIf(params, 'issuer_id', query.issuer_id);
    setIf(params, 'agent_id', query.agent_id);
    return this.json('GET', `/binding-rules${queryString(params)}`);
  }

  async createBindingRule(body: CreateBindingRuleRequest): Promise<BindingRule> {
    return this.json('POST', '/binding-rules', body);
  }

  async listStreams(query: ListStreamsQuery = {}): Promise<SsfStreamPage> {
    const params = new URLSearchParams();
    setIf(params, 'agent_id', query.agent_id);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/streams${queryString(params)}`);
  }

  /** Deletes a stream and its queue; its receiver gets 404 and may create another. */
  async deleteStream(id: string): Promise<void> {
    await this.send('DELETE', `/streams/${segment(id)}`);
  }

  async deleteBindingRule(id: string): Promise<void> {
    await this.send('DELETE', `/binding-rules/${segment(id)}`);
  }

  /** Issued certificates, newest first (docs/ca.md). */
  async listCertificates(query: ListCertificatesQuery = {}): Promise<CertificatePage> {
    const params = new URLSearchParams();
    setIf(params, 'agent_id', query.agent_id);
    setIf(params, 'limit', query.limit);
    setIf(params, 'cursor', query.cursor);
    return this.json('GET', `/certificates${queryString(params)}`);
  }

  /** Revokes a certificate by serial (hex); its CRL is reissued before the answer. */
  async revokeCertificate(serial: string): Promise<Certificate> {
    return this.json('POST', `/certificates/${segment(serial)}/revoke`);
  }

  /** Issues the agent's X.509-SVID from a PEM CSR made by the caller. */
  async issueAgentCertificate(agentId: string, csrPem: string): Promise<IssuedCertificate> {
    return this.json('POST', `/agents/${segment(agentId)}/certificates`, { csr: csrPem });
  }

  /** A one-time enrolment token for the agent (docs/agent-sdk.md); `ttl` in seconds. */
  async createEnrollmentToken(agentId: string, ttl?: number): Promise<EnrollmentToken> {
    return this.json('POST', `/agents/${segment(agentId)}/enrollment-tokens`, ttl === undefined ? {} : { ttl });
  }

  async getCa(): Promise<CertificateAuthority> {
    return this.json('GET', '/ca');
  }

  async rotateCa(): Promise<CertificateAuthority> {
    return this.json('POST', '/ca/rotate');
  }

  async importCa(body: ImportCaRequest): Promise<CertificateAuthority> {
    return this.json('POST', '/ca/import', body);
  }

  /** The policy set in force, by policy (docs/admin-api.md, "Policies"). */
  async listPolicies(): Promise<PolicyList> {
    return this.json('GET', '/policies');
  }

  async getPolicy(id: string): Promise<Policy> {
    return this.json('GET', `/policies/${segment(id)}`);
  }

  /** Applied versions of the set, newest first. */
  async policyHistory(limit?: number): Promise<PolicySetHistory> {
    return this.json('GET', `/policy-sets${limit === undefined ? '' : `?limit=${limit}`}`);
  }

  /** Throws an `AdminApiError` `policy_invalid` with `problems` when the source does not validate. */
  async validatePolicies(body: ValidatePoliciesRequest): Promise<PolicyValidation> {
    return this.json('POST', '/policies/validate', body);
  }

  async applyPolicies(body: ApplyPoliciesRequest): Promise<AppliedPolicyChange> {
    return this.json('POST', '/policies/apply', body);
  }

  async deletePolicy(id: string, expectedVersion?: number): Promise<AppliedPolicyChange> {
    return this.json('DELETE', `/policies/${segment(id)}${expectedVersion === undefined ? '' : `?expected_version=${expectedVersion}`}`);
  }

  async testPolicies(body: TestPoliciesRequest): Promise<PolicyTestResult> {
    return this.json('POST', '/policies/test', body);
  }

  /** The dry run: past decisions a proposed set would change. */
  async diffPolicies(body: PolicyDiffRequest): Promise<PolicyDiffReport> {
    return this.json('POST', '/policies/diff', body);
  }
}
