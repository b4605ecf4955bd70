export { runServer } from './run-server.js';
export { createServer, startServer, type AgentAuthServer, type ServerOptions } from './server.js';
export { loadConfig } from './config/load-config.js';
export { ConfigError } from './config/config-error.js';
export type { Config } from './config/config.js';
export { FrozenClock, systemClock, type Clock } from './clock.js';

// The admin API's wire shapes (docs/admin-api.md), for its clients such as the CLI. One schema
// each gives these types, the request and response validation and the OpenAPI document; import
// them as types only, which never loads the server.
export type {
  AddCredentialRequest,
  Agent,
  AgentPage,
  AgentStatus,
  CreateAgentRequest,
  CreatedAgent,
  CreatedCredential,
  Credential,
  ListAgentsQuery,
  UpdateAgentRequest,
} from './admin/wire/agent.js';
export type { AuditExportQuery, AuditHead, AuditPage, AuditQuery, AuditRecord, AuditVerdict, VerifyAuditRequest } from './admin/wire/audit-record.js';
export type {
  Authority,
  Certificate,
  CertificateAuthority,
  CertificatePage,
  ImportCaRequest,
  IssueCertificateRequest,
  IssuedCertificate,
  ListCertificatesQuery,
} from './admin/wire/certificate.js';
export type { CreateEnrollmentTokenRequest, EnrollmentToken } from './admin/wire/enrollment-token.js';
export type {
  BindingRule,
  BindingRuleList,
  CreateBindingRuleRequest,
  CreateTrustedIssuerRequest,
  ListBindingRulesQuery,
  TrustedIssuer,
  TrustedIssuerList,
  UpdateBindingRuleRequest,
  UpdateTrustedIssuerRequest,
} from './admin/wire/federation.js';
export type { Problem } from './admin/wire/problem.js';
export type { RotateKeysRequest, Rotation, SigningKey, SigningKeyList } from './admin/wire/signing-key.js';
export type { AgentToken, AgentTokenPage, AgentTokensQuery, TokenBinding, TokenChain, TokenChainNode, TokenRevocation } from './admin/wire/token.js';
