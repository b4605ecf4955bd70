/** One attribute of a relative distinguished name: its OID and its value. */
export interface NameAttribute {
  oid: string;
  /** The decoded string, or undefined when the value is not a directory string. */
  text: string | undefined;
  /** The DER encoding of the value (for RFC 4514 §2.4 `#hex` comparison). */
  der: Buffer;
}

/** A distinguished name as it is encoded: RDNs from the most significant (e.g. `C`) down. */
export type DistinguishedName = NameAttribute[][];

/** RFC 4514 §3 short names (and the ones OpenSSL prints) to OIDs. */
const SHORT_NAMES: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  TITLE: '2.5.4.12',
  GN: '2.5.4.42',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
};

/** One parsed attribute of an RFC 4514 string: a string value, or `#hex` DER bytes. */
interface ParsedAttribute {
  oid: string;
  text?: string;
  der?: Buffer;
}

/** Longest DN string we parse (ARCHITECTURE.md, Security rules); registration bounds it too. */
export const MAX_DN_LENGTH = 1024;

/**
 * Parses an RFC 4514 string (`CN=agent-1,O=Example\, Inc.,C=SE`) into RDNs, most significant
 * first (the order of the DER encoding, the reverse of the string). Returns undefined for a string
 * that is not RFC 4514 syntax: unknown short names, bad escapes, an empty RDN.
 */
export function parseDistinguishedName(input: string): DistinguishedName | undefined {
  if (input.length === 0 || input.length > MAX_DN_LENGTH) return undefined;
  const rdns: ParsedAttribute[][] = [];
  let current: ParsedAttribute[] = [];
  let i = 0;
  while (i < input.length) {
    const eq = input.indexOf('=', i);
    if (eq === -1) return undefined;
    const type = input.slice(i, eq).trim();
    const oid = /^[0-9]+(\.[0-9]+)+$/.test(type) ? type : SHORT_NAMES[type.toUpperCase()];
    if (oid === undefined) return undefined;
    const value = readValue(input, eq + 1);
    if (value === undefined) return undefined;
    current.push({ oid, ...value.attribute });
    i = value.next;
    const separator = input[i];
    if (separator === '+') {
      i++;
    } else {
      rdns.push(current);
      current = [];
      if (separator === ',') i++;
      else if (separator !== undefined) return undefined;
    }
  }
  if (current.length > 0 || rdns.length === 0) return undefined;
  return rdns.reverse().map((rdn) => rdn.map((a) => ({ oid: a.oid, text: a.text, der: a.der ?? Buffer.alloc(0) })));
}

function readValue(input: string, start: number): { attribute: Omit<ParsedAttribute, 'oid'>; next: number } | undefined {
  if (input[start] === '#') {
    // RFC 4514 §2.4: `#` and the hex of the BER encoding.
    let end = start + 1;
    while (end < input.length && /[0-9a-fA-F]/.test(input[end] as string)) end++;
    const hex = input.slice(start + 1, end);
    if (hex.length === 0 || hex.length % 2 !== 0) return undefined;
    return { attribute: { der: Buffer.from(hex, 'hex') }, next: end };
  }
  const bytes: number[] = [];
  let i = start;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === ',' || c === '+') break;
    if (c === '\\') {
      const next = input[i + 1];
      if (next === undefined) return undefined;
      if (/[0-9a-fA-F]/.test(next) && /[0-9a-fA-F]/.test(input[i + 2] ?? '')) {
        bytes.push(parseInt(input.slice(i + 1, i + 3), 16));
        i += 3;
        continue;
      }
      if (!` "#+,;<=>\\`.includes(next)) return undefined;
      bytes.push(...Buffer.from(next, 'utf8'));
      i += 2;
      continue;
    }
    bytes.push(...Buffer.from(c, 'utf8'));
    i++;
  }
  try {
    return { attribute: { text: new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes)) }, next: i };
  } catch {
    return undefined;
  }
}

/**
 * RFC 4518-style comparison form of a directory string: surrounding space removed, inner runs of
 * space collapsed, case folded. Every attribute we match is `caseIgnoreMatch` (or `caseIgnoreIA5Match`).
 */
function normalise(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * RFC 8705 §2.1.2 `tls_client_auth_subject_dn`: true when the certificate's subject equals the
 * registered DN, RDN by RDN in order, multi-valued RDNs compared as sets (RFC 4517 §4.2.15
 * distinguishedNameMatch, with the string preparation simplified as above). `#hex` values are
 * compared byte for byte with the DER encoding.
 */
export function distinguishedNamesEqual(expected: DistinguishedName, actual: DistinguishedName): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((rdn, i) => {
    const other = actual[i] as DistinguishedName[number];
    if (rdn.length !== other.length) return false;
    return rdn.every((attribute) =>
      other.some((candidate) => {
        if (candidate.oid !== attribute.oid) return false;
        if (attribute.text === undefined) return attribute.der.equals(candidate.der);
        return candidate.text !== undefined && normalise(candidate.text) === normalise(attribute.text);
      }),
    );
  });
}
