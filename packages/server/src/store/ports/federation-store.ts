import type { AuditInput } from '../records.js';
import type { JWK } from 'jose';

/** All times are milliseconds since the epoch. */

/**
 * An external issuer whose JWTs may authenticate agents (RFC 7523 §3: the authorization server
 * decides which issuers it trusts and how it obtains their keys).
 */
export interface TrustedIssuerRecord {
  /** `tis_...` */
  id: string;
  /** Exact `iss` value (RFC 7519 §4.1.1), compared as a case-sensitive string. */
  issuer: string;
  /** Where the issuer publishes its JWK Set; exclusive with `jwks`. */
  jwksUri: string | null;
  /** A static JWK Set (public keys only); exclusive with `jwksUri`. */
  jwks: { keys: JWK[] } | null;
  /** `aud` values accepted (RFC 7523 §3 item 3); a JWT must carry at least one of them. */
  audiences: string[];
  /** JWS `alg` values accepted (asymmetric only: never `none` or HMAC). */
  algorithms: string[];
  /** Longest accepted `exp - iat` (or `exp - now` without `iat`), seconds. */
  maxTokenLifetime: number;
  /**
   * Named opt-in leniency (strict by default): when true, a JWT of this issuer may be presented again
   * until it expires and its `jti` is not claimed. For platforms whose workloads reuse one token
   * until it is rotated (Kubernetes projected service-account tokens). Default false: single use.
   */
  allowTokenReuse: boolean;
  description: string;
  createdAt: number;
  updatedAt: number;
}

/** Maps JWTs of one trusted issuer to one agent by exact claim values. */
export interface BindingRuleRecord {
  /** `bnd_...` */
  id: string;
  issuerId: string;
  agentId: string;
  /** RFC 6901 JSON Pointer -> exact string value; every pair must match. */
  claims: Record<string, string>;
  description: string;
  createdAt: number;
  updatedAt: number;
}

/** Fields `updateTrustedIssuer` may change. */
export type TrustedIssuerPatch = Partial<Pick<TrustedIssuerRecord, 'jwksUri' | 'jwks' | 'audiences' | 'algorithms' | 'maxTokenLifetime' | 'allowTokenReuse' | 'description'>>;

/** Fields `updateBindingRule` may change. */
export type BindingRulePatch = Partial<Pick<BindingRuleRecord, 'claims' | 'description'>>;

/** Result of deleting an issuer: its rules must go first. */
export type DeleteIssuerResult = 'deleted' | 'not_found' | 'in_use';

/**
 * Trusted issuers and binding rules (docs/federation.md). Every mutation bumps one change counter in
 * the same transaction, so a cache that sees the new counter also sees the change, on every node;
 * and appends the change's audit records (`audit`) in it, only when the change happens.
 */
export interface FederationStore {
  /** Throws `ConflictError` when the `issuer` is already trusted. */
  createTrustedIssuer(record: TrustedIssuerRecord, audit?: readonly AuditInput[]): Promise<void>;
  getTrustedIssuer(id: string): Promise<TrustedIssuerRecord | undefined>;
  /** Ordered by id. */
  listTrustedIssuers(): Promise<TrustedIssuerRecord[]>;
  updateTrustedIssuer(id: string, patch: TrustedIssuerPatch, now: number, audit?: (updated: TrustedIssuerRecord) => readonly AuditInput[]): Promise<TrustedIssuerRecord | undefined>;
  deleteTrustedIssuer(id: string, audit?: readonly AuditInput[]): Promise<DeleteIssuerResult>;

  /** Throws `ConflictError` when the issuer or the agent does not exist. */
  createBindingRule(record: BindingRuleRecord, audit?: readonly AuditInput[]): Promise<void>;
  getBindingRule(id: string): Promise<BindingRuleRecord | undefined>;
  /** Ordered by id. */
  listBindingRules(filter: { issuerId?: string; agentId?: string }): Promise<BindingRuleRecord[]>;
  updateBindingRule(id: string, patch: BindingRulePatch, now: number, audit?: (updated: BindingRuleRecord) => readonly AuditInput[]): Promise<BindingRuleRecord | undefined>;
  /** Returns false if there was none. */
  deleteBindingRule(id: string, audit?: readonly AuditInput[]): Promise<boolean>;

  /**
   * Bumped by every mutation above. Deleting an agent deletes its rules without a bump; the
   * verifier refuses a rule whose agent is gone, so a stale cached rule fails closed.
   */
  federationChangeCounter(): Promise<number>;
}
