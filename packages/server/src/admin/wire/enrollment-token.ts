import { Type, type Static } from 'typebox';
import { MAX_ENROLLMENT_TTL_SECONDS, MIN_ENROLLMENT_TTL_SECONDS } from '../../enrollment/enrollment-service.js';
import { Time } from './primitives.js';

/** `POST /agents/{id}/enrollment-tokens` body (optional). */
export const CreateEnrollmentTokenRequest = Type.Object(
  { ttl: Type.Optional(Type.Integer({ minimum: MIN_ENROLLMENT_TTL_SECONDS, maximum: MAX_ENROLLMENT_TTL_SECONDS, description: 'Seconds; default 900.' })) },
  { additionalProperties: false },
);
export type CreateEnrollmentTokenRequest = Static<typeof CreateEnrollmentTokenRequest>;

/** A one-time enrolment token (docs/agent-sdk.md): `token` is shown once and stored as SHA-256 only. */
export const EnrollmentToken = Type.Object(
  { id: Type.String(), agent_id: Type.String(), token: Type.String({ description: 'Shown once.' }), expires_at: Time },
  { description: 'A one-time enrolment token (docs/agent-sdk.md); `token` is shown once and stored as SHA-256 only.' },
);
export type EnrollmentToken = Static<typeof EnrollmentToken>;
