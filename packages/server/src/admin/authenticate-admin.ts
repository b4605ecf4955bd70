import { createHash, timingSafeEqual } from 'node:crypto';
import { SCOPE_ADMIN } from '@agentauth/protocol';
import { BEARER, checkOwnApiToken, MAX_CREDENTIAL_LENGTH } from '../oauth/own-api-token.js';
import type { Clock } from '../clock.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Store } from '../store/store.js';


/** What the admin credential check needs. */
export interface AdminAuthDeps {
  /** The issuer identifier: our tokens' `iss`, and the audience of tokens meant for our own APIs. */
  issuer: string;
  /**
   * SHA-256 of the accepted bootstrap token (configured, or generated at the first start and kept
   * only as this digest); undefined when there is none.
   */
  bootstrapDigest: Buffer | undefined;
  clock: Clock;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  store: Pick<Store, 'getTokenState' | 'getAgentStanding'>;
}

/** An authenticated administrator. */
export interface AdminPrincipal {
  ok: true;
  /** `admin:bootstrap` or `admin:<agent id>` (the audit record's actor). */
  actor: string;
  /** The admin agent, when the credential was an access token. */
  agentId: string | null;
}

/** A refused credential: `status` 401 (not authenticated) or 403 (authenticated, not an admin). */
export interface AdminRefusal {
  ok: false;
  status: 401 | 403;
  /** Private reason for the log and the audit record; never contains the credential. */
  reason: string;
  agentId: string | null;
}

/** Checks an `Authorization` header value. */
export type AdminAuthenticator = (authorization: string | undefined) => Promise<AdminPrincipal | AdminRefusal>;

/**
 * The one admin credential check, shared by the admin API and the RFC 7591 §3 initial access
 * token of dynamic registration (docs/admin-api.md, "Authentication"). A credential is either
 *
 * - the bootstrap token, compared in constant time (SHA-256 digests, `timingSafeEqual`, so neither
 *   its content nor its length leaks through timing); or
 * - an RFC 9068 access token of ours, verified by the resource-server SDK (the same path every
 *   service uses: issuer and audience are our issuer identifier, keys are our published keys), whose
 *   `jti` is not revoked (RFC 7009), whose agent (`sub`, and `client_id` if another) exists, is active,
 *   and has not revoked it (`iat` before `revokedBefore`), and which carries `agentauth:admin`.
 *   Without that scope the answer is 403.
 *
 * Does NOT check sender constraints: a DPoP- or certificate-bound token is refused by the SDK.
 */
export function createAdminAuthenticator(deps: AdminAuthDeps): AdminAuthenticator {
  const bootstrapDigest = deps.bootstrapDigest;
  if (bootstrapDigest !== undefined && bootstrapDigest.length !== 32) throw new TypeError('bootstrapDigest must be a SHA-256 digest (32 bytes)');

  return async (authorization) => {
    if (authorization === undefined || authorization === '') return refuse(401, 'no credential', null);
    if (authorization.length > MAX_CREDENTIAL_LENGTH) return refuse(401, 'credential too large', null);
    const match = BEARER.exec(authorization);
    if (match === null) return refuse(401, 'not a Bearer credential', null);
    const credential = match[1] ?? '';

    if (bootstrapDigest !== undefined && timingSafeEqual(bootstrapTokenDigest(credential), bootstrapDigest)) {
      return { ok: true, actor: 'admin:bootstrap', agentId: null };
    }

    const checked = await checkOwnApiToken(deps, authorization, SCOPE_ADMIN);
    if (!checked.ok) return refuse(checked.status, checked.reason, checked.agentId);
    const { agentId } = checked;
    return { ok: true, actor: `admin:${agentId}`, agentId };
  };
}

/** SHA-256 of a bootstrap token, the form {@link AdminAuthDeps.bootstrapDigest} takes. */
export function bootstrapTokenDigest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function refuse(status: 401 | 403, reason: string, agentId: string | null): AdminRefusal {
  return { ok: false, status, reason, agentId };
}
