import { createHash } from 'node:crypto';

/** SHA-256 (base64url) of an authorization code or refresh token: the store never holds either (ARCHITECTURE.md, Security rules). */
export function grantSecretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

const GRANT_LINEAGE_PREFIX = 'grant:';

/** The parent every token issued from grant `id` names, so revoking the grant finds them (and what was exchanged from them). */
export function grantLineageId(id: string): string {
  return `${GRANT_LINEAGE_PREFIX}${id}`;
}

/** The authorization a lineage parent names (`grantLineageId`), else undefined: where a person's token chain starts. */
export function grantOfLineage(parentJti: string | null | undefined): string | undefined {
  return parentJti?.startsWith(GRANT_LINEAGE_PREFIX) === true ? parentJti.slice(GRANT_LINEAGE_PREFIX.length) : undefined;
}
