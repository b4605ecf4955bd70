import { hash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_CHECKPOINT_TYP, decodeJsonSegment, parseAuditCheckpointClaims, SIGNING_ALGS, type AuditCheckpointClaims } from '@agentauth/protocol';
import { compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import { CommandFailedError, UsageError } from './cli-errors.js';

/** The names the server gives exported checkpoints (docs/operations.md, "Audit checkpoints"). */
const CHECKPOINT_FILE = /^checkpoint-([0-9]{16})\.jwt$/;
/** A checkpoint is a few hundred bytes; anything much larger is not one. */
const MAX_FILE_BYTES = 16 * 1024;

/** A checkpoint read from a file, its claims checked and its place in the chain of checkpoints. */
export interface CheckedCheckpoint {
  file: string;
  claims: AuditCheckpointClaims;
  kid: string;
  /** true: its signature verified against the JWKS; false: vouched for by its successor's digest. */
  signed: boolean;
}

function invalid(message: string): CommandFailedError {
  return new CommandFailedError('audit_checkpoint_invalid', message);
}

/** Every `checkpoint-<seq>.jwt` of `dir`, as text; a usage error when there is none. */
export async function readCheckpointFiles(dir: string, command: string): Promise<{ file: string; jws: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new UsageError(`cannot read the checkpoint directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, command);
  }
  const files = names.filter((name) => CHECKPOINT_FILE.test(name)).sort();
  if (files.length === 0) throw new UsageError(`no checkpoint files (checkpoint-SEQ.jwt) in ${dir}`, command);
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(dir, file), 'latin1');
      if (text.length > MAX_FILE_BYTES) throw invalid(`${file} is not a checkpoint: too large`);
      return { file, jws: text.trim() };
    }),
  );
}

/**
 * Checks exported checkpoints against a JWKS, strictly, and returns them oldest first:
 *
 * - each is a compact JWS with `typ` `agentauth-audit-checkpoint+jwt`, an allowed `alg`, a `kid`,
 *   claims as `parseAuditCheckpointClaims` wants them and the `seq` its file name says;
 * - every one signed by a key the JWKS holds verifies, and so must the newest: a forged or altered
 *   checkpoint fails here;
 * - their numbers run without a gap, all name one issuer, and each names its predecessor exactly
 *   (`prev`: number, head, and the SHA-256 digest of its JWS). So an older checkpoint signed by a
 *   key since removed from the JWKS is still vouched for, byte for byte, by the newest one.
 *
 * The oldest file may start anywhere (older files may have been archived); nothing vouches for
 * checkpoints after the newest file. Throws `CommandFailedError` (`audit_checkpoint_invalid`)
 * naming the file and the rule.
 */
export async function checkCheckpoints(files: readonly { file: string; jws: string }[], jwks: JSONWebKeySet): Promise<CheckedCheckpoint[]> {
  const keys = createLocalJWKSet(jwks);
  const known = new Set(jwks.keys.map((key) => key.kid).filter((kid) => kid !== undefined));
  const read: (CheckedCheckpoint & { jws: string })[] = [];
  for (const { file, jws } of files) {
    const [header, payload, signature, extra] = jws.split('.');
    const protectedHeader = header === undefined ? undefined : decodeJsonSegment(header);
    const claimsSet = payload === undefined ? undefined : decodeJsonSegment(payload);
    if (extra !== undefined || signature === undefined || protectedHeader === undefined || claimsSet === undefined) throw invalid(`${file} is not a compact JWS`);
    if (protectedHeader.typ !== AUDIT_CHECKPOINT_TYP) throw invalid(`${file} is not an audit checkpoint (typ must be ${AUDIT_CHECKPOINT_TYP})`);
    const kid = protectedHeader.kid;
    if (typeof kid !== 'string' || kid === '') throw invalid(`${file} names no kid`);
    const claims = parseAuditCheckpointClaims(claimsSet);
    if ('problem' in claims) throw invalid(`${file}: ${claims.problem}`);
    if (file !== `checkpoint-${String(claims.seq).padStart(16, '0')}.jwt`) throw invalid(`${file} holds the checkpoint of seq ${claims.seq}`);
    let signed = false;
    if (known.has(kid)) {
      try {
        await compactVerify(jws, keys, { algorithms: [...SIGNING_ALGS] });
        signed = true;
      } catch (error) {
        const why = error instanceof errors.JWSSignatureVerificationFailed ? 'its signature does not verify' : `it does not verify (${(error as Error).message})`;
        throw invalid(`checkpoint ${claims.checkpoint} (${file}) is forged or altered: ${why} with key ${kid}`);
      }
    }
    read.push({ file, claims, kid, signed, jws });
  }
  read.sort((a, b) => a.claims.checkpoint - b.claims.checkpoint);

  const newest = read.at(-1) as CheckedCheckpoint;
  if (!newest.signed) throw invalid(`checkpoint ${newest.claims.checkpoint} (${newest.file}) is signed by key ${newest.kid}, which the JWKS does not hold`);
  for (let i = 1; i < read.length; i++) {
    const before = read[i - 1] as (typeof read)[number];
    const after = read[i] as (typeof read)[number];
    if (after.claims.iss !== before.claims.iss) throw invalid(`${after.file} and ${before.file} name different issuers`);
    if (after.claims.checkpoint === before.claims.checkpoint) throw invalid(`${before.file} and ${after.file} are both checkpoint ${after.claims.checkpoint}`);
    if (after.claims.checkpoint !== before.claims.checkpoint + 1) throw invalid(`checkpoint ${before.claims.checkpoint + 1} is missing: ${before.file} is followed by checkpoint ${after.claims.checkpoint}`);
    const link = after.claims.prev;
    if (link === undefined || link.seq !== before.claims.seq || link.hash !== before.claims.hash || link.digest !== hash('sha256', before.jws, 'base64url')) {
      throw invalid(`checkpoint ${after.claims.checkpoint} (${after.file}) does not name ${before.file} as its predecessor: one of them was replaced`);
    }
  }
  return read.map(({ file, claims, kid, signed }) => ({ file, claims, kid, signed }));
}

/** A JWK Set from a file (`--jwks`): public keys only, as `jwks_uri` serves them. */
export async function readJwksFile(path: string, command: string): Promise<JSONWebKeySet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read a JWK Set from ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, command);
  }
  return jwkSet(parsed, path, command);
}

/** Checks that a value is an RFC 7517 §5 JWK Set of public keys. */
export function jwkSet(value: unknown, source: string, command: string): JSONWebKeySet {
  const keys = typeof value === 'object' && value !== null ? (value as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'object' || key === null || Array.isArray(key))) throw new UsageError(`${source} is not a JWK Set ({"keys": [...]})`, command);
  if (keys.some((key: Record<string, unknown>) => 'd' in key)) throw new UsageError(`${source} holds a private key; give the public JWK Set`, command);
  return { keys } as JSONWebKeySet;
}
