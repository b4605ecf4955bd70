import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { JWK } from 'jose';
import { FederationError } from './federation-error.js';
import { uriProblem } from '../net/uri-rule.js';
import { MAX_POINTER_LENGTH, parsePointer } from './claim-pointer.js';
import type { BindingRuleRecord, TrustedIssuerRecord } from '../store/ports/federation-store.js';

/**
 * JWS algorithms a trusted issuer may use: asymmetric only (RFC 7518 §3.1). `none` and the HMAC
 * family are never accepted for tokens trusted through public keys (RFC 8725 §3.1, §3.2).
 */
export const FEDERATION_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Bounds on every field (ARCHITECTURE.md, Security rules). */
export const FEDERATION_LIMITS = {
  uriMax: 2048,
  audiencesMax: 10,
  keysMax: 20,
  descriptionMax: 2000,
  lifetimeMin: 60,
  lifetimeMax: 86_400,
  claimsMax: 16,
  claimValueMax: 1024,
  pointerMax: MAX_POINTER_LENGTH,
} as const;

/** Defaults of a new trusted issuer: the algorithms Kubernetes and GitHub Actions sign with, one hour. */
export const TRUSTED_ISSUER_DEFAULTS = { algorithms: ['RS256', 'ES256'], maxTokenLifetime: 3600, allowTokenReuse: false, description: '' } as const;

/** Settable fields of a trusted issuer, as sent (JSON types already checked by the route schema). */
export interface TrustedIssuerInput {
  issuer?: string;
  jwksUri?: string | null;
  jwks?: { keys: unknown[] } | null;
  audiences?: string[];
  algorithms?: string[];
  maxTokenLifetime?: number;
  allowTokenReuse?: boolean;
  description?: string;
}

/** Settable fields of a binding rule, as sent. */
export interface BindingRuleInput {
  claims?: Record<string, string>;
  description?: string;
}

const invalid = (detail: string) => new FederationError('validation_failed', detail);

/**
 * Applies `input` over `base` and checks every rule; throws `FederationError` (`validation_failed`)
 * naming the first broken one. `ownIssuer` is refused: our own tokens are never federated logins.
 */
export function validateTrustedIssuer(
  input: TrustedIssuerInput,
  base: Omit<TrustedIssuerRecord, 'id' | 'createdAt' | 'updatedAt'>,
  ownIssuer: string,
): Omit<TrustedIssuerRecord, 'id' | 'createdAt' | 'updatedAt'> {
  const out = { ...base };
  if (input.issuer !== undefined) {
    checkUrl('issuer', input.issuer);
    if (input.issuer === ownIssuer) throw invalid('issuer must not be this server itself');
    out.issuer = input.issuer;
  }
  if (input.jwksUri !== undefined) {
    if (input.jwksUri !== null) checkUrl('jwks_uri', input.jwksUri);
    out.jwksUri = input.jwksUri;
  }
  if (input.jwks !== undefined) out.jwks = input.jwks === null ? null : checkJwks(input.jwks);
  if ((out.jwksUri === null) === (out.jwks === null)) throw invalid('exactly one of jwks_uri and jwks is required');
  if (input.audiences !== undefined) {
    const audiences = [...new Set(input.audiences)];
    if (audiences.length === 0 || audiences.length > FEDERATION_LIMITS.audiencesMax) throw invalid(`audiences must hold 1..${FEDERATION_LIMITS.audiencesMax} values`);
    for (const audience of audiences) {
      if (typeof audience !== 'string' || audience === '' || audience.length > FEDERATION_LIMITS.uriMax) throw invalid('audiences must be non-empty strings');
    }
    out.audiences = audiences;
  }
  if (out.audiences.length === 0) throw invalid('audiences is required');
  if (input.algorithms !== undefined) {
    const algorithms = [...new Set(input.algorithms)];
    if (algorithms.length === 0) throw invalid('algorithms must not be empty');
    for (const alg of algorithms) {
      if (!(FEDERATION_ALGS as readonly string[]).includes(alg)) throw invalid(`algorithms must be drawn from ${FEDERATION_ALGS.join(', ')} (never none or HMAC)`);
    }
    out.algorithms = algorithms;
  }
  if (input.maxTokenLifetime !== undefined) {
    const lifetime = input.maxTokenLifetime;
    if (!Number.isInteger(lifetime) || lifetime < FEDERATION_LIMITS.lifetimeMin || lifetime > FEDERATION_LIMITS.lifetimeMax) {
      throw invalid(`max_token_lifetime must be an integer of ${FEDERATION_LIMITS.lifetimeMin}..${FEDERATION_LIMITS.lifetimeMax} seconds`);
    }
    out.maxTokenLifetime = lifetime;
  }
  if (input.allowTokenReuse !== undefined) {
    if (typeof input.allowTokenReuse !== 'boolean') throw invalid('allow_token_reuse must be a boolean');
    out.allowTokenReuse = input.allowTokenReuse;
  }
  if (input.description !== undefined) out.description = checkDescription(input.description);
  return out;
}

/** Checks a binding rule's claims and description over `base`; throws `FederationError`. */
export function validateBindingRule(input: BindingRuleInput, base: Pick<BindingRuleRecord, 'claims' | 'description'>): Pick<BindingRuleRecord, 'claims' | 'description'> {
  const out = { ...base };
  if (input.claims !== undefined) {
    const entries = Object.entries(input.claims);
    if (entries.length === 0 || entries.length > FEDERATION_LIMITS.claimsMax) throw invalid(`claims must hold 1..${FEDERATION_LIMITS.claimsMax} matchers`);
    for (const [pointer, value] of entries) {
      if (parsePointer(pointer) === undefined) throw invalid('claims keys must be RFC 6901 JSON Pointers such as "/sub" or "/kubernetes.io/namespace"');
      if (typeof value !== 'string' || value === '' || value.length > FEDERATION_LIMITS.claimValueMax) {
        throw invalid(`claims values must be non-empty strings of at most ${FEDERATION_LIMITS.claimValueMax} characters`);
      }
    }
    out.claims = Object.fromEntries(entries);
  }
  if (input.description !== undefined) out.description = checkDescription(input.description);
  return out;
}

function checkDescription(description: string): string {
  if (typeof description !== 'string' || description.length > FEDERATION_LIMITS.descriptionMax) throw invalid(`description must be at most ${FEDERATION_LIMITS.descriptionMax} characters`);
  return description;
}

/** The one URI rule of what the server stores and fetches: https, or http on loopback. */
function checkUrl(field: string, value: string): void {
  const problem = uriProblem(field, value, { maxLength: FEDERATION_LIMITS.uriMax, allowLoopbackHttp: true });
  if (problem !== undefined) throw invalid(problem);
}

/** A static JWK Set: public asymmetric keys only, each importable. */
function checkJwks(jwks: { keys: unknown[] }): { keys: JWK[] } {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) throw invalid('jwks must be a JWK Set');
  if (jwks.keys.length === 0 || jwks.keys.length > FEDERATION_LIMITS.keysMax) throw invalid(`jwks must hold 1..${FEDERATION_LIMITS.keysMax} keys`);
  const keys: JWK[] = [];
  for (const key of jwks.keys) {
    if (typeof key !== 'object' || key === null) throw invalid('jwks keys must be objects');
    const jwk = key as JWK;
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].some((m) => m in jwk)) throw invalid('jwks must hold public keys only');
    if (!['EC', 'RSA', 'OKP'].includes(jwk.kty ?? '')) throw invalid('jwks keys must be EC, RSA or OKP');
    try {
      const { kty, crv, x, y, n, e } = jwk;
      createPublicKey({ key: { kty, crv, x, y, n, e } as JsonWebKey, format: 'jwk' });
    } catch {
      throw invalid('a jwks key does not import');
    }
    // Keep only public, standard members: nothing else we do not understand is stored.
    const { kty, crv, x, y, n, e, kid, alg, use } = jwk;
    keys.push(Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg, use }).filter(([, v]) => v !== undefined)) as JWK);
  }
  return { keys };
}
