import { Type, type Static } from 'typebox';
import { pagination, Page, Time } from './primitives.js';

/**
 * A signed audit checkpoint (docs/operations.md, "Audit checkpoints"): its number, the audit head
 * it vouches for, and the compact JWS itself, which is what proves anything (checked against the
 * JWKS by `agentauth audit verify --checkpoints`).
 */
export const AuditCheckpoint = Type.Object({
  checkpoint: Type.Integer({ minimum: 1 }),
  seq: Type.Integer({ minimum: 1, description: 'The last audit record when it was signed.' }),
  hash: Type.String({ description: "That record's hash (docs/events.md, \"Hash chain\")." }),
  created_at: Time,
  kid: Type.String({ description: 'The signing key, in the JWKS at `jwks_uri`.' }),
  jws: Type.String({ description: 'The checkpoint: a compact JWS with `typ` `agentauth-audit-checkpoint+jwt`.' }),
});
export type AuditCheckpoint = Static<typeof AuditCheckpoint>;

/** `GET /audit/checkpoints` answer, oldest first. */
export const AuditCheckpointPage = Page(AuditCheckpoint);
export type AuditCheckpointPage = Static<typeof AuditCheckpointPage>;

/** `GET /audit/checkpoints` query. */
export const AuditCheckpointQuery = Type.Object(pagination, { additionalProperties: false });
export type AuditCheckpointQuery = Static<typeof AuditCheckpointQuery>;
