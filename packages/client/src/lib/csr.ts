/**
 * A minimal DER writer for one PKCS#10 certification request (RFC 2986 §4) with an ECDSA P-256
 * key, signed with ecdsa-with-SHA256 (RFC 5758 §3.2), made with WebCrypto only. The subject is
 * empty and there are no attributes: agentauth's CA issues from a fixed template and names the
 * agent itself (docs/ca.md), so the request only proves possession of the key.
 */

/** DER length octets (X.690 §8.1.3, definite form). */
function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(...content);
  return concat(Uint8Array.of(tag), length(body.length), body);
}

/** A positive DER INTEGER from unsigned big-endian bytes (X.690 §8.3). */
function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] as number) & 0x80 ? concat(Uint8Array.of(0), trimmed) : trimmed);
}

/** ecdsa-with-SHA256, 1.2.840.10045.4.3.2, with absent parameters (RFC 5758 §3.2). */
const ECDSA_WITH_SHA256 = Uint8Array.of(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);

/**
 * Builds and signs a PKCS#10 request for the P-256 key pair and returns it as PEM
 * (`-----BEGIN CERTIFICATE REQUEST-----`, RFC 7468 §7).
 */
export async function createCsr(keyPair: CryptoKeyPair): Promise<string> {
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keyPair.publicKey));
  const info = tlv(0x30, tlv(0x02, Uint8Array.of(0)), tlv(0x30), spki, tlv(0xa0));
  // WebCrypto gives r || s (IEEE P1363); X.509 wants Ecdsa-Sig-Value ::= SEQUENCE { r, s }.
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, info as Uint8Array<ArrayBuffer>));
  const signature = tlv(0x30, unsignedInteger(raw.subarray(0, 32)), unsignedInteger(raw.subarray(32)));
  const der = tlv(0x30, info, ECDSA_WITH_SHA256, tlv(0x03, Uint8Array.of(0), signature));
  let binary = '';
  for (const byte of der) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}
