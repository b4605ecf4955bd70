import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/**
 * The first, structural look at a credential a browser sent (W3C WebAuthn Level 2 §5.1, as
 * `PublicKeyCredential.toJSON()` shapes it): bounded, base64url fields only, `type` exactly
 * `public-key`, `id` equal to `rawId`, and the challenge read out of the client data so the
 * ceremony's stored challenge can be claimed before anything is verified. The verification
 * itself (§7.1, §7.2) is `@simplewebauthn/server`'s; this checks nothing cryptographic.
 */

/** Longest response read: a credential id is at most 1023 bytes (§5.10.3), attestation aside. */
export const MAX_RESPONSE_CHARS = 12_000;
/** §4 "Credential ID": at most 1023 bytes, so 1364 base64url characters. */
const CREDENTIAL_ID = /^[A-Za-z0-9_-]{16,1364}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A credential id's shape: base64url of 12 to 1023 bytes (16 characters covers the shortest real one). */
export function isCredentialId(value: unknown): value is string {
  return typeof value === 'string' && CREDENTIAL_ID.test(value);
}

/** A parsed response, with the challenge its client data names. */
export interface ParsedResponse<T> {
  credential: T;
  /** The challenge in `clientDataJSON` (§5.8.1), base64url. */
  challenge: string;
}

/** A registration response (`navigator.credentials.create()`), or a reason it is not one. */
export function parseRegistrationResponse(text: string | undefined): ParsedResponse<RegistrationResponseJSON> | string {
  const base = parseBase(text, ['clientDataJSON', 'attestationObject']);
  if (typeof base === 'string') return base;
  const response = base.value['response'] as Record<string, unknown>;
  const transports = response['transports'];
  if (transports !== undefined && !(Array.isArray(transports) && transports.length <= 8 && transports.every((t) => typeof t === 'string' && /^[a-z-]{1,16}$/.test(t)))) return 'transports malformed';
  const credential: RegistrationResponseJSON = {
    id: base.id,
    rawId: base.id,
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON: response['clientDataJSON'] as string, attestationObject: response['attestationObject'] as string, ...(transports === undefined ? {} : { transports: transports as RegistrationResponseJSON['response']['transports'] }) },
  };
  return { credential, challenge: base.challenge };
}

/** An authentication response (`navigator.credentials.get()`), or a reason it is not one. */
export function parseAuthenticationResponse(text: string | undefined): ParsedResponse<AuthenticationResponseJSON> | string {
  const base = parseBase(text, ['clientDataJSON', 'authenticatorData', 'signature']);
  if (typeof base === 'string') return base;
  const response = base.value['response'] as Record<string, unknown>;
  const userHandle = response['userHandle'];
  if (userHandle !== undefined && userHandle !== null && !(typeof userHandle === 'string' && userHandle.length <= 88 && BASE64URL.test(userHandle))) return 'userHandle malformed';
  const credential: AuthenticationResponseJSON = {
    id: base.id,
    rawId: base.id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: response['clientDataJSON'] as string,
      authenticatorData: response['authenticatorData'] as string,
      signature: response['signature'] as string,
      ...(typeof userHandle === 'string' ? { userHandle } : {}),
    },
  };
  return { credential, challenge: base.challenge };
}

function parseBase(text: string | undefined, fields: readonly string[]): { value: Record<string, unknown>; id: string; challenge: string } | string {
  if (text === undefined || text.length === 0) return 'no credential sent';
  if (text.length > MAX_RESPONSE_CHARS) return 'credential too large';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'credential is not JSON';
  }
  if (!isObject(value)) return 'credential is not an object';
  if (value['type'] !== 'public-key') return 'credential type is not public-key';
  if (!isCredentialId(value['id']) || value['rawId'] !== value['id']) return 'credential id malformed';
  const response = value['response'];
  if (!isObject(response)) return 'credential response missing';
  for (const name of fields) {
    const field = response[name];
    if (typeof field !== 'string' || field.length === 0 || !BASE64URL.test(field)) return `${name} missing or not base64url`;
  }
  const challenge = clientDataChallenge(response['clientDataJSON'] as string);
  if (challenge === undefined) return 'clientDataJSON has no challenge';
  return { value, id: value['id'], challenge };
}

/** The `challenge` member of the client data (§5.8.1), or undefined. */
function clientDataChallenge(clientDataJSON: string): string | undefined {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = isObject(data) ? data['challenge'] : undefined;
    return typeof challenge === 'string' && challenge.length > 0 && challenge.length <= 128 && BASE64URL.test(challenge) ? challenge : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
