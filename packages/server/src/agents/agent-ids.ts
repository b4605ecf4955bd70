import type { Random } from '../random.js';

/** 16 random bytes = 22 base64url characters: 128 bits, unguessable and collision-free in practice. */
const ID_BYTES = 16;

/** A new agent id, which is also its OAuth `client_id` (RFC 6749 §2.2): `agt_` + 22 base64url chars. */
export function newAgentId(random: Random): string {
  return `agt_${random.token(ID_BYTES)}`;
}

/** A new credential id: `crd_` + 22 base64url chars. */
export function newCredentialId(random: Random): string {
  return `crd_${random.token(ID_BYTES)}`;
}

/** Shape of an agent id (loose on length, so ids from a test Random fit); others cannot exist. */
export const AGENT_ID_PATTERN = /^agt_[A-Za-z0-9_-]{1,64}$/;
/** Shape of a credential id. */
export const CREDENTIAL_ID_PATTERN = /^crd_[A-Za-z0-9_-]{1,64}$/;
