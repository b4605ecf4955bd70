import { Type, type Static } from 'typebox';
import { BINDING_RULE_ID_PATTERN, TRUSTED_ISSUER_ID_PATTERN } from '../../federation/federation-ids.js';
import { FEDERATION_ALGS, FEDERATION_LIMITS } from '../../federation/validate-federation-input.js';
import { AgentId } from './agent.js';
import { JsonObject, List, NullableString, StringEnum, StringMap, Time } from './primitives.js';

/**
 * Trusted issuers and binding rules for federated workload login on the admin API's wire
 * (docs/admin-api.md, docs/federation.md). The federation service checks what the schemas cannot
 * (URI schemes, exactly one of `jwks_uri` and `jwks`, public keys only, JSON Pointer syntax).
 */

const Uri = Type.String({ minLength: 1, maxLength: FEDERATION_LIMITS.uriMax });
const IssuerId = Type.String({ pattern: TRUSTED_ISSUER_ID_PATTERN.source });
const Description = Type.String({ maxLength: FEDERATION_LIMITS.descriptionMax });

const issuerFields = {
  jwks_uri: Type.Optional(Type.Union([Uri, Type.Null()])),
  jwks: Type.Optional(
    Type.Union([
      Type.Object({ keys: Type.Array(JsonObject({ maxProperties: 32 }), { minItems: 1, maxItems: FEDERATION_LIMITS.keysMax }) }, { additionalProperties: false }),
      Type.Null(),
    ]),
  ),
  audiences: Type.Optional(Type.Array(Uri, { minItems: 1, maxItems: FEDERATION_LIMITS.audiencesMax })),
  algorithms: Type.Optional(Type.Array(StringEnum(FEDERATION_ALGS), { minItems: 1, maxItems: FEDERATION_ALGS.length })),
  max_token_lifetime: Type.Optional(Type.Integer({ minimum: FEDERATION_LIMITS.lifetimeMin, maximum: FEDERATION_LIMITS.lifetimeMax })),
  allow_token_reuse: Type.Optional(Type.Boolean()),
  description: Type.Optional(Description),
};

/** `POST /trusted-issuers` body. */
export const CreateTrustedIssuerRequest = Type.Object(
  { issuer: Uri, ...issuerFields, audiences: Type.Array(Uri, { minItems: 1, maxItems: FEDERATION_LIMITS.audiencesMax }) },
  { additionalProperties: false },
);
export type CreateTrustedIssuerRequest = Static<typeof CreateTrustedIssuerRequest>;

/** `PATCH /trusted-issuers/{id}` body: the issuer identifier itself never changes. */
export const UpdateTrustedIssuerRequest = Type.Object(issuerFields, { additionalProperties: false, minProperties: 1 });
export type UpdateTrustedIssuerRequest = Static<typeof UpdateTrustedIssuerRequest>;

/** RFC 6901 JSON Pointer -> the exact string the claim must hold; every pair must match. */
const Claims = StringMap(Type.String({ minLength: 1, maxLength: FEDERATION_LIMITS.claimValueMax }), {
  minProperties: 1,
  maxProperties: FEDERATION_LIMITS.claimsMax,
  propertyNames: { pattern: '^/', maxLength: FEDERATION_LIMITS.pointerMax },
});

/** `POST /binding-rules` body. */
export const CreateBindingRuleRequest = Type.Object(
  { issuer_id: IssuerId, agent_id: AgentId, claims: Claims, description: Type.Optional(Description) },
  { additionalProperties: false },
);
export type CreateBindingRuleRequest = Static<typeof CreateBindingRuleRequest>;

/** `PATCH /binding-rules/{id}` body. */
export const UpdateBindingRuleRequest = Type.Object(
  { claims: Type.Optional(Claims), description: Type.Optional(Description) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateBindingRuleRequest = Static<typeof UpdateBindingRuleRequest>;

/** Path parameters of `/trusted-issuers/{id}`. */
export const TrustedIssuerParams = Type.Object({ id: IssuerId }, { additionalProperties: false });

/** Path parameters of `/binding-rules/{id}`. */
export const BindingRuleParams = Type.Object({ id: Type.String({ pattern: BINDING_RULE_ID_PATTERN.source }) }, { additionalProperties: false });

/** `GET /binding-rules` query. */
export const ListBindingRulesQuery = Type.Object({ issuer_id: Type.Optional(IssuerId), agent_id: Type.Optional(AgentId) }, { additionalProperties: false });
export type ListBindingRulesQuery = Static<typeof ListBindingRulesQuery>;

/** An external issuer trusted for federated workload login. */
export const TrustedIssuer = Type.Object(
  {
    id: Type.String(),
    issuer: Type.String(),
    jwks_uri: NullableString,
    jwks: Type.Union([Type.Object({ keys: Type.Array(JsonObject()) }), Type.Null()]),
    audiences: Type.Array(Type.String()),
    algorithms: Type.Array(Type.String()),
    max_token_lifetime: Type.Integer(),
    allow_token_reuse: Type.Boolean(),
    description: Type.String(),
    created_at: Time,
    updated_at: Time,
  },
  { description: 'An external issuer trusted for federated workload login (docs/federation.md).' },
);
export type TrustedIssuer = Static<typeof TrustedIssuer>;

/** `GET /trusted-issuers` answer. */
export const TrustedIssuerList = List(TrustedIssuer);
export type TrustedIssuerList = Static<typeof TrustedIssuerList>;

/** Maps the JWTs of a trusted issuer whose claims all match to one agent. */
export const BindingRule = Type.Object(
  {
    id: Type.String(),
    issuer_id: Type.String(),
    agent_id: Type.String(),
    claims: StringMap(Type.String()),
    description: Type.String(),
    created_at: Time,
    updated_at: Time,
  },
  { description: 'Maps JWTs of a trusted issuer whose claims (RFC 6901 JSON Pointer -> exact string) all match to one agent.' },
);
export type BindingRule = Static<typeof BindingRule>;

/** `GET /binding-rules` answer. */
export const BindingRuleList = List(BindingRule);
export type BindingRuleList = Static<typeof BindingRuleList>;
