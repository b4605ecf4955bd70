import { Type, type Static } from 'typebox';
import { KEY_SLOTS } from '../../key-slot.js';
import { Enum, List, NullableTime, Time } from './primitives.js';

/** A signing key as `GET /keys` shows it: public facts only, never key material. */
export const SigningKey = Type.Object({
  kid: Type.String(),
  alg: Type.String(),
  state: Enum(KEY_SLOTS),
  created_at: Time,
  activated_at: NullableTime,
  retired_at: NullableTime,
  expires_at: NullableTime,
});
export type SigningKey = Static<typeof SigningKey>;

/** `GET /keys` answer. */
export const SigningKeyList = List(SigningKey);
export type SigningKeyList = Static<typeof SigningKeyList>;

/** `POST /keys/rotate` body (optional). */
export const RotateKeysRequest = Type.Object({ force: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type RotateKeysRequest = Static<typeof RotateKeysRequest>;

/** `POST /keys/rotate` answer: the new signer, and the key prepared (published) to sign next. */
export const Rotation = Type.Object({ active_kid: Type.String(), prepared_kid: Type.String() });
export type Rotation = Static<typeof Rotation>;

/** `GET /keys/schedule` answer: when the active signing key is rotated next (docs/admin-api.md). */
export const KeySchedule = Type.Object({
  /** `AGENTAUTH_KEY_ROTATION_INTERVAL`. */
  rotation_interval_seconds: Type.Integer(),
  active_kid: Type.String(),
  /** When the active key began signing. */
  active_since: Time,
  /** When it is due to be replaced by the prepared key (a node applies it at its next key sync). */
  next_rotation_at: Time,
});
export type KeySchedule = Static<typeof KeySchedule>;
