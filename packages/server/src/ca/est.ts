import { DerError, strictBase64 } from '../der/der-reader.js';
import { CaError } from './ca-error.js';
import type { CaRequestContext, CertificateAuthority, IssueOptions } from './certificate-authority.js';
import { CsrError, MAX_CSR_BYTES } from './certification-request.js';
import { certsOnlyPkcs7 } from './pkcs7-certs-only.js';

/** RFC 7030 §3.2.2 and §4: the well-known EST paths (default CA label). */
export const EST_PATHS = {
  cacerts: '/.well-known/est/cacerts',
  simpleenroll: '/.well-known/est/simpleenroll',
  simplereenroll: '/.well-known/est/simplereenroll',
} as const;

/** Largest EST request body: base64 of a {@link MAX_CSR_BYTES} CSR, with line breaks. */
export const MAX_EST_BODY = Math.ceil((MAX_CSR_BYTES * 4) / 3) + 1024;

/** An EST answer, framework-free: the HTTP layers (public app, mTLS listener) send it as is. */
export interface EstResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const PKCS7 = (smimeType: string | undefined): Record<string, string> => ({
  'content-type': smimeType === undefined ? 'application/pkcs7-mime' : `application/pkcs7-mime; smime-type=${smimeType}`,
  'content-transfer-encoding': 'base64',
});

/** Base64 with 64-character lines, as RFC 7030 §4 bodies are usually written. */
const base64Lines = (der: Buffer) => `${der.toString('base64').replace(/.{64}/g, '$&\r\n').replace(/\r\n$/, '')}\r\n`;

const textError = (status: number, message: string, headers: Record<string, string> = {}): EstResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body: `${message}\n`,
});

/**
 * RFC 7030 §4.1.3 `/cacerts`: a certs-only CMS message with the current CA certificates: every
 * live root and issuing CA (the bundle), base64 encoded.
 */
export function estCaCerts(ca: CertificateAuthority): EstResponse {
  const { roots, intermediates } = ca.trustBundle();
  return { status: 200, headers: PKCS7(undefined), body: base64Lines(certsOnlyPkcs7([...roots, ...intermediates].map((c) => c.raw))) };
}

/**
 * RFC 7030 §4.2 `/simpleenroll` and `/simplereenroll` for an agent already authenticated by the
 * caller (bearer token, or its current certificate over mutual TLS for re-enrollment). The body is
 * the base64 DER PKCS#10 (`application/pkcs10`, §4.2.1); the answer is the certificate as a
 * certs-only CMS message (§4.2.3), or 400 with a plain-text reason.
 *
 * For `/simplereenroll` pass the current certificate as `options.renewing` with
 * `sameIdentity: true`: §4.2.2 asks that the CSR's subject and subjectAltName be identical to the
 * current certificate's (strict reading; refused as `identity_changed` otherwise). The key may
 * differ (rekey).
 */
export async function estEnroll(ca: CertificateAuthority, agentId: string, body: string, context: CaRequestContext = {}, options: IssueOptions = {}): Promise<EstResponse> {
  if (body.length > MAX_EST_BODY) return textError(413, 'the request body is too large');
  let der: Buffer;
  try {
    der = strictBase64(body.replace(/[\r\n\t ]+/g, ''));
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    return textError(400, 'the body must be a base64-encoded PKCS#10 request (RFC 7030 §4.2.1)');
  }
  try {
    const issued = await ca.issueForAgent(agentId, der, context, options);
    return { status: 200, headers: PKCS7('certs-only'), body: base64Lines(certsOnlyPkcs7([issued.certificate])) };
  } catch (error) {
    if (error instanceof CsrError) return textError(400, `${error.code}: ${error.message}`);
    if (error instanceof CaError) return textError(403, 'the agent may not be issued certificates');
    throw error;
  }
}
