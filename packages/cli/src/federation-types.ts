/** A trusted issuer as the admin API returns it (docs/admin-api.md, docs/federation.md). */
export interface TrustedIssuer {
  id: string;
  issuer: string;
  jwks_uri: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  audiences: string[];
  algorithms: string[];
  max_token_lifetime: number;
  allow_token_reuse: boolean;
  description: string;
  created_at: string;
  updated_at: string;
}

/** `POST /admin/v1/trusted-issuers` body. */
export interface CreateTrustedIssuerRequest {
  issuer: string;
  audiences: string[];
  jwks_uri?: string;
  jwks?: { keys: unknown[] };
  algorithms?: string[];
  max_token_lifetime?: number;
  allow_token_reuse?: boolean;
  description?: string;
}

/** A binding rule: JWTs of `issuer_id` whose claims (JSON Pointer -> value) all match log in as `agent_id`. */
export interface BindingRule {
  id: string;
  issuer_id: string;
  agent_id: string;
  claims: Record<string, string>;
  description: string;
  created_at: string;
  updated_at: string;
}

/** `POST /admin/v1/binding-rules` body. */
export interface CreateBindingRuleRequest {
  issuer_id: string;
  agent_id: string;
  claims: Record<string, string>;
  description?: string;
}
