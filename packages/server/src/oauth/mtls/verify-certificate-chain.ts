import type { X509Certificate } from 'node:crypto';

/** RFC 5280 §4.2.1.12 id-kp-clientAuth, and anyExtendedKeyUsage. */
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

/** Longest path we build: leaf, at most this many intermediates, then an anchor. */
export const MAX_INTERMEDIATES = 4;
/** At most this many certificates are looked at from what a client sent. */
export const MAX_PRESENTED = 8;

/** The outcome: the anchor the leaf chains to, or why it does not (for the log, never the client). */
export type ChainVerification =
  | { ok: true; anchor: X509Certificate; notAfter: number; notBefore: number }
  | { ok: false; reason: string };

/** `validFrom`/`validTo` as epoch ms (Node 20 has no Date accessors). */
export function validity(certificate: X509Certificate): { notBefore: number; notAfter: number } {
  return { notBefore: Date.parse(certificate.validFrom), notAfter: Date.parse(certificate.validTo) };
}

function validAt(certificate: X509Certificate, nowMs: number): boolean {
  const { notBefore, notAfter } = validity(certificate);
  return Number.isFinite(notBefore) && Number.isFinite(notAfter) && notBefore <= nowMs && nowMs <= notAfter;
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  // checkIssued compares names and key identifiers; verify checks the signature itself.
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

/**
 * RFC 5280 §6 path validation, reduced to what client authentication needs (RFC 8705 §2.1): the
 * leaf is an end-entity certificate valid now whose extended key usage (if any) allows
 * `clientAuth`; each step is signed by the next, every intermediate is a CA (`basicConstraints
 * cA`) valid now; the path ends at one of `anchors` (valid now). Intermediates come from what the
 * client sent; anchors may include our own issuing CAs, so a client may send its leaf alone.
 *
 * Does NOT check revocation (the caller asks the CA), name constraints, policies, key usage bits
 * or path length constraints: our CA issues no such constraints, and external anchors are a
 * deliberate operator choice.
 */
export function verifyCertificateChain(
  leaf: X509Certificate,
  presented: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  nowMs: number,
): ChainVerification {
  if (leaf.ca) return { ok: false, reason: 'the client certificate is a CA certificate' };
  if (!validAt(leaf, nowMs)) return { ok: false, reason: 'the client certificate is expired or not yet valid' };
  const eku = leaf.keyUsage;
  if (eku !== undefined && !eku.includes(CLIENT_AUTH_EKU) && !eku.includes(ANY_EKU)) {
    return { ok: false, reason: 'the client certificate does not allow clientAuth' };
  }
  let { notBefore, notAfter } = validity(leaf);
  const candidates = presented.slice(0, MAX_PRESENTED);
  let current = leaf;
  for (let depth = 0; depth <= MAX_INTERMEDIATES; depth++) {
    const anchor = anchors.find((a) => validAt(a, nowMs) && issuedBy(current, a));
    if (anchor !== undefined) {
      const range = validity(anchor);
      return { ok: true, anchor, notBefore: Math.max(notBefore, range.notBefore), notAfter: Math.min(notAfter, range.notAfter) };
    }
    if (depth === MAX_INTERMEDIATES) break;
    const next = candidates.find((c) => c !== current && c.ca && validAt(c, nowMs) && issuedBy(current, c));
    if (next === undefined) return { ok: false, reason: 'the client certificate does not chain to a trusted anchor' };
    const range = validity(next);
    notBefore = Math.max(notBefore, range.notBefore);
    notAfter = Math.min(notAfter, range.notAfter);
    current = next;
  }
  return { ok: false, reason: 'the certificate path is too long' };
}
