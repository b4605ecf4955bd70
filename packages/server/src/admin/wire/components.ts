import type { TSchema } from 'typebox';
import { Agent, AgentPage, CreatedAgent, CreatedCredential, Credential } from './agent.js';
import { AuditCheckpoint, AuditCheckpointPage } from './audit-checkpoint.js';
import { AuditPage, AuditRecord, AuditVerdict } from './audit-record.js';
import { SiemSinkStatus, SiemStatus } from './siem-status.js';
import { CertificateAuthority, Certificate, CertificatePage, CrlStatus, CrlStatusList, IssuedCertificate } from './certificate.js';
import { EnrollmentToken } from './enrollment-token.js';
import { ApiKey, ApiKeyList, CreatedApiKey } from './api-key.js';
import { ImportedKey, ImportedKeyList } from './imported-key.js';
import { ApiKeyLookup } from './api-key-lookup.js';
import { BindingRule, BindingRuleList, TrustedIssuer, TrustedIssuerList } from './federation.js';
import { JsonObject } from './primitives.js';
import { GrantSet, LeastPrivilegeReport, LeastPrivilegeReportPage } from './least-privilege.js';
import { MigrationDay, MigrationKey, MigrationReport, MigrationRow } from './migration-report.js';
import { TokenStats, TokenStatsBucket } from './token-stats.js';
import { CutoverPlan, CutoverPlanKey, CutoverRule, CutoverRuleList } from './key-cutover.js';
import { AppliedPolicyChange, Policy, PolicyDiffReport, PolicyEntity, PolicyList, PolicyOutcomeChange, PolicyProblem, PolicySetHistory, PolicySetVersion, PolicyTestResult, PolicyValidation } from './policy.js';
import { Problem } from './problem.js';
import { KeySchedule, Rotation, SigningKeyList } from './signing-key.js';
import { SsfStream, SsfStreamPage } from './stream.js';
import { Anomaly, AnomalyPage } from './anomaly.js';
import { AgentToken, AgentTokenPage, TokenChain, TokenChainNode, TokenRevocation } from './token.js';

/** `GET /openapi.json` answer: the document itself. */
export const OpenApiDocument = JsonObject();

/**
 * The admin API's named objects: the OpenAPI document's `components.schemas`, in this order.
 * Wherever one of these very schema objects appears inside another schema (or a route's), the
 * document refers to it by name instead of repeating it.
 */
export const ADMIN_COMPONENTS: Readonly<Record<string, TSchema>> = {
  Problem,
  Credential,
  Agent,
  CreatedAgent,
  AgentPage,
  CreatedCredential,
  SigningKeyList,
  KeySchedule,
  Rotation,
  AuditRecord,
  AuditPage,
  AuditVerdict,
  AuditCheckpoint,
  AuditCheckpointPage,
  SiemSinkStatus,
  SiemStatus,
  TokenChainNode,
  TokenChain,
  AgentToken,
  AgentTokenPage,
  TokenRevocation,
  GrantSet,
  LeastPrivilegeReport,
  LeastPrivilegeReportPage,
  MigrationDay,
  MigrationRow,
  MigrationKey,
  MigrationReport,
  TokenStatsBucket,
  TokenStats,
  CutoverRule,
  CutoverRuleList,
  CutoverPlanKey,
  CutoverPlan,
  TrustedIssuer,
  TrustedIssuerList,
  BindingRule,
  BindingRuleList,
  Certificate,
  CertificatePage,
  IssuedCertificate,
  CertificateAuthority,
  CrlStatus,
  CrlStatusList,
  EnrollmentToken,
  ApiKey,
  ApiKeyList,
  CreatedApiKey,
  ImportedKey,
  ImportedKeyList,
  ApiKeyLookup,
  SsfStream,
  SsfStreamPage,
  Anomaly,
  AnomalyPage,
  PolicyProblem,
  PolicyList,
  Policy,
  PolicySetHistory,
  PolicySetVersion,
  PolicyEntity,
  PolicyValidation,
  AppliedPolicyChange,
  PolicyTestResult,
  PolicyOutcomeChange,
  PolicyDiffReport,
  OpenApiDocument,
};
