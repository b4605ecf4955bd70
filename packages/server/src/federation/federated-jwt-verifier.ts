import { decodeJsonSegment } from '@agentauth/protocol';
import { compactVerify } from 'jose';
import type { Clock } from '../clock.js';
import { FetchError } from '../net/fetch-error.js';
import type { JwksKey, RemoteJwks } from '../net/remote-jwks.js';
import { jtiFault, replayClaimExpiry, timeClaimsFault } from '../jwt/claim-rules.js';
import { headerFault } from '../jwt/header-policy.js';
import { FEDERATED_JWT } from '../jwt/jwt-kinds.js';
import { decodeCompactJws } from '../oauth/client-auth/compact-jws.js';
import type { FederatedIdentity } from '../oauth/client-auth/federated-login.js';
import type { ReplayCache } from '../oauth/replay-cache.js';
import type { ReplayClaim } from '../store/ports/replay-claim-store.js';
import { claimsMatch } from './claim-pointer.js';
import type { FederationDirectory, IssuerEntry } from './federation-directory.js';

/** Keys tried for a JWS without `kid`: a bounded amount of work per request. */
const MAX_CANDIDATES = 5;

/** Options of {@link FederatedJwtVerifier}. */
export interface FederatedJwtVerifierDeps {
  directory: Pick<FederationDirectory, 'issuer' | 'hasIssuers'>;
  remoteJwks: Pick<RemoteJwks, 'keys'>;
  replayCache: ReplayCache;
  clock: Clock;
}

/**
 * Verifies a JWT from a trusted issuer (RFC 7523 §3, strict reading) and maps it to exactly one
 * agent through the binding rules:
 *
 * 1. compact JWS, at most 16 KiB (`FEDERATED_JWT`);
 * 2. `iss` is exactly a trusted issuer's identifier (§3 item 1);
 * 3. the header policy of every JWT we read (`headerFault`): no header naming or carrying a key
 *    (the issuer's keys are configured, never chosen by the token), no `crit`, no `typ` of another
 *    kind, and `alg` in that issuer's allow-list — never `none` or HMAC (RFC 8725 §3.1);
 * 4. the signature verifies with a key of the issuer's JWKS (static, or fetched through the SSRF
 *    guard; an unknown `kid` causes at most one refetch per cooldown);
 * 5. `aud` holds one of the issuer's allowed audiences (§3 item 3);
 * 6. `exp` present and not past, `nbf` and `iat` not in the future (§3 items 4-6, `timeClaimsFault`
 *    with 30 s of skew), and the lifetime
 *    (`exp` - `iat`, or `exp` - now without `iat`) within the issuer's bound;
 * 7. exactly one binding rule of the issuer matches (none or several: refused);
 * 8. `jti`, when present, was not seen before (§3 item 7), unless the issuer allows reuse; the
 *    in-process check here is backed by the durable claim the caller commits.
 *
 * Returns the identity, or the reason for refusal (private detail for the log and the audit).
 * Does NOT check that the agent exists or is active: the caller does, with its directory.
 */
export class FederatedJwtVerifier {
  constructor(private readonly deps: FederatedJwtVerifierDeps) {}

  /**
   * True when `jwt` claims to come from a trusted issuer (unverified peek at `iss`), so the caller
   * can route it here rather than to `private_key_jwt`. Cheap and synchronous.
   */
  isFederated(jwt: string): boolean {
    if (!this.deps.directory.hasIssuers()) return false;
    const iss = peekIssuer(jwt);
    return iss !== undefined && this.deps.directory.issuer(iss) !== undefined;
  }

  async verify(jwt: string): Promise<FederatedIdentity | string> {
    const jws = decodeCompactJws(jwt, FEDERATED_JWT.maxLength);
    if (typeof jws === 'string') return jws;
    const { header, payload } = jws;

    const iss = payload.iss;
    if (typeof iss !== 'string') return 'iss missing';
    const entry = this.deps.directory.issuer(iss);
    if (entry === undefined) return 'issuer not trusted';
    const issuer = entry.record;

    const refused = headerFault(header, FEDERATED_JWT, issuer.algorithms);
    if (refused !== undefined) return refused;
    const alg = header.alg as string;

    const claimsProblem = checkClaims(payload, issuer.audiences, issuer.maxTokenLifetime, Math.floor(this.deps.clock.now() / 1000));
    if (claimsProblem !== undefined) return claimsProblem;

    const signed = await this.verifySignature(jwt, entry, alg, header.kid as string | undefined);
    if (signed !== undefined) return signed;

    const matches = entry.rules.filter((rule) => claimsMatch(payload, rule.matchers));
    if (matches.length === 0) return 'no binding rule matches';
    if (matches.length > 1) return `${matches.length} binding rules match (${matches.map((m) => m.record.id).join(', ')})`;
    const rule = (matches[0] as (typeof matches)[number]).record;

    const exp = payload.exp as number;
    let replayClaim: ReplayClaim | undefined;
    const jti = payload.jti;
    if (jti !== undefined && !issuer.allowTokenReuse) {
      const badJti = jtiFault(jti);
      if (badJti !== undefined) return badJti;
      replayClaim = { key: `federated:${issuer.id}:${jti as string}`, expiresAt: replayClaimExpiry(exp, FEDERATED_JWT) };
      if (!this.deps.replayCache.claim(replayClaim.key, replayClaim.expiresAt, this.deps.clock.now())) return 'jti replayed';
    }
    return {
      agentId: rule.agentId,
      trustedIssuerId: issuer.id,
      issuer: issuer.issuer,
      bindingRuleId: rule.id,
      subject: typeof payload.sub === 'string' ? payload.sub : undefined,
      exp,
      replayClaim,
    };
  }

  private async verifySignature(jwt: string, entry: IssuerEntry, alg: string, kid: string | undefined): Promise<string | undefined> {
    let keys: JwksKey[];
    if (entry.record.jwksUri === null) {
      keys = kid === undefined ? entry.staticKeys : entry.staticKeys.filter((k) => k.kid === kid);
    } else {
      try {
        keys = await this.deps.remoteJwks.keys(entry.record.jwksUri, kid);
      } catch (error) {
        return `issuer JWKS unavailable (${error instanceof FetchError ? error.code : 'error'})`;
      }
    }
    const candidates = keys.filter((k) => k.alg === undefined || k.alg === alg).slice(0, MAX_CANDIDATES);
    if (candidates.length === 0) return kid === undefined ? 'no key of the issuer fits' : 'unknown key';
    for (const candidate of candidates) {
      try {
        await compactVerify(jwt, candidate.key, { algorithms: [alg] });
        return undefined;
      } catch {
        // Wrong key or bad signature: try the next candidate.
      }
    }
    return 'signature verification failed';
  }
}

function checkClaims(payload: Record<string, unknown>, audiences: readonly string[], maxLifetime: number, now: number): string | undefined {
  const { aud, exp, iat } = payload;
  const presented = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!presented.some((a) => typeof a === 'string' && audiences.includes(a))) return 'aud is not an allowed audience';
  const untimely = timeClaimsFault(payload, FEDERATED_JWT, now, ['exp']);
  if (untimely !== undefined) return untimely;
  const start = typeof iat === 'number' ? iat : now;
  if ((exp as number) - start > maxLifetime) return `token lifetime ${Math.round((exp as number) - start)} s exceeds the issuer's bound`;
  return undefined;
}

/** The `iss` of a compact JWS without verifying anything; undefined when it cannot be read. */
function peekIssuer(jwt: string): string | undefined {
  if (jwt.length > FEDERATED_JWT.maxLength) return undefined;
  const first = jwt.indexOf('.');
  const second = jwt.indexOf('.', first + 1);
  if (first <= 0 || second < 0) return undefined;
  const iss = decodeJsonSegment(jwt.slice(first + 1, second))?.iss;
  return typeof iss === 'string' ? iss : undefined;
}
