import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A WebAuthn authenticator in software, for tests (W3C WebAuthn Level 2 §6): it makes ES256
 * credentials with `none` attestation and signs assertions, and can be told to misbehave (another
 * origin or RP ID, no user verification, a chosen counter, another user handle), so each check
 * of the server's ceremonies can be seen to refuse. It is written from the specification, apart
 * from the server's library, with its own minimal CBOR (RFC 8949) encoder.
 */

/** What to send differently from an honest authenticator in an honest browser. */
export interface Tamper {
  origin?: string;
  rpId?: string;
  type?: string;
  challenge?: string;
  userVerified?: boolean;
  counter?: number;
  userHandle?: string | null;
  /** At registration: this credential id instead of a fresh one. */
  credentialId?: string;
}

/** One credential the authenticator holds. */
export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  userHandle: string;
  counter: number;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export class SoftwareAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(
    private readonly origin: string,
    /** Whether the counter grows with each signature; false: always 0, as synced passkeys do. */
    private readonly counting = true,
  ) {}

  /** `navigator.credentials.create()` for the server's creation options; returns the JSON the page posts. */
  create(options: { challenge: string; rp: { id: string }; user: { id: string } }, tamper: Tamper = {}): { json: string; credential: SoftCredential } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential: SoftCredential = { id: tamper.credentialId ?? randomBytes(16).toString('base64url'), privateKey, publicKey, userHandle: options.user.id, counter: 0 };
    const clientDataJSON = this.clientData(tamper.type ?? 'webauthn.create', tamper.challenge ?? options.challenge, tamper);
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x ?? '', 'base64url')], [-3, Buffer.from(jwk.y ?? '', 'base64url')]]));
    const id = Buffer.from(credential.id, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([this.authData(tamper.rpId ?? options.rp.id, FLAG_AT | flags(tamper), tamper.counter ?? 0), Buffer.alloc(16), idLength, id, cose]);
    const attestationObject = cbor(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    this.credentials.push(credential);
    const json = { id: credential.id, rawId: credential.id, type: 'public-key', response: { clientDataJSON: clientDataJSON.toString('base64url'), attestationObject: attestationObject.toString('base64url'), transports: ['internal'] } };
    return { json: JSON.stringify(json), credential };
  }

  /** `navigator.credentials.get()` with `credential` for the server's request options. */
  get(credential: SoftCredential, options: { challenge: string; rpId: string }, tamper: Tamper = {}): string {
    if (this.counting && tamper.counter === undefined) credential.counter += 1;
    const clientDataJSON = this.clientData(tamper.type ?? 'webauthn.get', tamper.challenge ?? options.challenge, tamper);
    const authData = this.authData(tamper.rpId ?? options.rpId, flags(tamper), tamper.counter ?? (this.counting ? credential.counter : 0));
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]), credential.privateKey);
    const userHandle = tamper.userHandle === undefined ? credential.userHandle : tamper.userHandle;
    const response: Record<string, string> = { clientDataJSON: clientDataJSON.toString('base64url'), authenticatorData: authData.toString('base64url'), signature: signature.toString('base64url') };
    if (userHandle !== null) response['userHandle'] = userHandle;
    return JSON.stringify({ id: credential.id, rawId: credential.id, type: 'public-key', response });
  }

  private clientData(type: string, challenge: string, tamper: Tamper): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: tamper.origin ?? this.origin, crossOrigin: false }), 'utf8');
  }

  private authData(rpId: string, flagByte: number, counter: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([createHash('sha256').update(rpId, 'utf8').digest(), Buffer.from([flagByte]), count]);
  }
}

function flags(tamper: Tamper): number {
  return FLAG_UP | (tamper.userVerified === false ? 0 : FLAG_UV);
}

/** RFC 8949 encoding of what a test needs: integers, byte and text strings, maps. */
function cbor(value: unknown): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value.entries()].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  throw new TypeError('cbor: unsupported value');
}

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(n, 1);
  return out;
}
