import type { FastifyReply } from 'fastify';

/**
 * The Content-Security-Policy of every page people see (CSP Level 3): nothing loads but our own
 * stylesheet, no script runs at all (inline or not), forms post only to us, no `<base>` may move
 * links, and no page may be framed (`frame-ancestors 'none'`, the clickjacking defence).
 */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The CSP of the few pages that offer passkeys, which need a script to call the WebAuthn API
 * (`navigator.credentials`): the same as `PAGE_CSP`, plus scripts and `fetch` from our own
 * origin only (`'self'`: never inline, never `eval`, never another host), so the one script
 * those pages load, `/login/passkey.js`, is all that can run.
 */
export const PASSKEY_PAGE_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The headers of every page of the human surface, in one place (OWASP HTTP Headers Cheat Sheet):
 * the CSP above (`PASSKEY_PAGE_CSP` when `script`); `X-Frame-Options: DENY` for browsers without
 * `frame-ancestors`; no `Referer` leaves a page (it may carry `return_to`); no cache keeps a page
 * (RFC 9111 §5.2.2.5), which may show a TOTP secret; no MIME sniffing.
 */
export function setPageHeaders(reply: FastifyReply, options: { script?: boolean } = {}): void {
  reply.header('content-security-policy', options.script === true ? PASSKEY_PAGE_CSP : PAGE_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cache-control', 'no-store');
  reply.header('x-content-type-options', 'nosniff');
}
