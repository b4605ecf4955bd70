import { BlockList, isIP } from 'node:net';
import { createHash, X509Certificate } from 'node:crypto';
import { strictBase64 } from '../../der/der-reader.js';
import { clientCertificate, type ClientCertificate } from './client-certificate.js';
import { MAX_PRESENTED } from './verify-certificate-chain.js';

/** Longest header value we parse: Node's whole header block is 16 KiB by default anyway. */
export const MAX_PROXY_HEADER_LENGTH = 16 * 1024;

/** Envoy's header (`forward_client_cert_details`), parsed as XFCC; any other name is a URL-encoded PEM. */
export const XFCC_HEADER = 'x-forwarded-client-cert';

/** The outcome of reading the header: no certificate, a certificate, or why the header is unusable. */
export type ProxyCertificateResult = { kind: 'absent' } | { kind: 'certificate'; certificate: ClientCertificate } | { kind: 'malformed'; reason: string };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

/** Certificates of a PEM text that holds nothing else (whitespace aside); undefined if it holds anything else. */
export function parsePemCertificates(pem: string): X509Certificate[] | undefined {
  const certificates: X509Certificate[] = [];
  const rest = pem.replace(PEM_BLOCK, (_block, body: string) => {
    // Strict base64: Buffer.from would skip junk and extra padding, so two texts would read alike.
    certificates.push(new X509Certificate(strictBase64(body.replace(/\s+/g, ''))));
    return '';
  });
  if (rest.trim() !== '' || certificates.length === 0 || certificates.length > MAX_PRESENTED + 1) return undefined;
  return certificates;
}

/**
 * Envoy `x-forwarded-client-cert` (XFCC): `;`-separated `Key=value` pairs, values optionally
 * double-quoted with `\"` escapes; `Cert` is the URL-encoded PEM leaf, `Chain` the URL-encoded
 * PEM chain (leaf first), `Hash` the hex SHA-256 of the leaf's DER. Strict: exactly one element
 * (several `,`-separated elements leave open which hop's client they describe), no repeated key
 * but `URI`/`DNS`, and `Hash`, when given, must match `Cert`.
 */
function parseXfcc(value: string): ClientCertificate | string {
  const pairs = new Map<string, string>();
  let i = 0;
  while (i < value.length) {
    const eq = value.indexOf('=', i);
    if (eq === -1) return 'XFCC pair without "="';
    const key = value.slice(i, eq).trim().toLowerCase();
    let raw = '';
    let j = eq + 1;
    if (value[j] === '"') {
      j++;
      while (j < value.length && value[j] !== '"') {
        if (value[j] === '\\' && j + 1 < value.length) j++;
        raw += value[j];
        j++;
      }
      if (value[j] !== '"') return 'XFCC unterminated quoted value';
      j++;
    } else {
      while (j < value.length && value[j] !== ';' && value[j] !== ',') raw += value[j++];
    }
    if (value[j] === ',') return 'XFCC with several elements';
    if (value[j] !== undefined && value[j] !== ';') return 'XFCC garbage after a value';
    if (key !== 'uri' && key !== 'dns' && pairs.has(key)) return `XFCC key ${key} repeated`;
    pairs.set(key, raw);
    i = j + 1;
  }
  const cert = pairs.get('cert');
  if (cert === undefined) return 'XFCC without Cert';
  const leaf = parsePemCertificates(decodeURIComponent(cert));
  if (leaf === undefined || leaf.length !== 1) return 'XFCC Cert is not one PEM certificate';
  const first = leaf[0] as X509Certificate;
  const hash = pairs.get('hash');
  if (hash !== undefined && hash.toLowerCase() !== createHash('sha256').update(first.raw).digest('hex')) return 'XFCC Hash does not match Cert';
  let chain: X509Certificate[] = [];
  const chainValue = pairs.get('chain');
  if (chainValue !== undefined) {
    const parsed = parsePemCertificates(decodeURIComponent(chainValue));
    if (parsed === undefined) return 'XFCC Chain is not PEM certificates';
    chain = parsed.filter((c) => !c.raw.equals(first.raw));
  }
  return clientCertificate(first, chain, 'proxy');
}

/**
 * RFC 8705 §6.5 (TLS terminated by a proxy): reads the client certificate a trusted proxy put in
 * `headerName`. Envoy XFCC for `x-forwarded-client-cert`, otherwise nginx's
 * `$ssl_client_escaped_cert` (the URL-encoded PEM leaf). An empty header, or nginx's `-`, means
 * the client sent none. The header must appear at most once and be at most 16 KiB.
 *
 * Does NOT check who sent it: the caller honours it only from a trusted proxy address.
 */
export function readProxyCertificateHeader(headerName: string, values: readonly string[]): ProxyCertificateResult {
  if (values.length === 0) return { kind: 'absent' };
  if (values.length > 1) return { kind: 'malformed', reason: 'client certificate header repeated' };
  const value = (values[0] as string).trim();
  if (value === '' || value === '-' || value === '(null)') return { kind: 'absent' };
  if (value.length > MAX_PROXY_HEADER_LENGTH) return { kind: 'malformed', reason: 'client certificate header too long' };
  try {
    if (headerName === XFCC_HEADER) {
      const parsed = parseXfcc(value);
      return typeof parsed === 'string' ? { kind: 'malformed', reason: parsed } : { kind: 'certificate', certificate: parsed };
    }
    const certificates = parsePemCertificates(decodeURIComponent(value));
    if (certificates === undefined || certificates.length !== 1) return { kind: 'malformed', reason: 'client certificate header is not one URL-encoded PEM certificate' };
    return { kind: 'certificate', certificate: clientCertificate(certificates[0] as X509Certificate, [], 'proxy') };
  } catch {
    // decodeURIComponent (URIError), strictBase64 (DerError) or X509Certificate (bad DER) refused it.
    return { kind: 'malformed', reason: 'client certificate header does not decode' };
  }
}

/** A set of proxy addresses and CIDR blocks (as validated by the config), matched exactly. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
    this.empty = entries.length === 0;
  }

  /** True when the directly connected peer `address` is a trusted proxy (IPv4-mapped IPv6 too). */
  has(address: string | undefined): boolean {
    if (address === undefined || this.empty) return false;
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
    const plain = mapped ? (mapped[1] as string) : address;
    const type = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    return isIP(plain) !== 0 && this.list.check(plain, type);
  }
}
