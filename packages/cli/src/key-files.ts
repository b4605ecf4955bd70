import { readFile, rm, stat, writeFile } from 'node:fs/promises';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

import type { SigningAlg } from '@agentauth/protocol';

import { UsageError } from './cli-errors.js';

/** Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** Key files are a few KB at most; refuse to slurp anything bigger. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** A locally generated key pair, both halves as JWKs carrying `kid`, `alg` and `use`. */
export interface GeneratedKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * Generates a signing key pair on this machine, so the private key never travels. `kid` is the
 * RFC 7638 thumbprint of the public key.
 */
export async function generateAgentKey(alg: SigningAlg): Promise<GeneratedKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg, use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicJwk, ...meta } };
}

/**
 * Writes a private JWK readable by its owner only (mode 0600, set at creation so there is no
 * window where it is wider) and refuses to overwrite an existing file.
 */
export async function writePrivateKeyFile(path: string, jwk: JWK): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') throw new UsageError(`refusing to overwrite ${path}: choose another --key-out`);
    throw new UsageError(`cannot write ${path}: ${(error as { code?: string }).code ?? 'error'}`);
  }
}

/** Removes a key file we just created, when registering its public half failed. */
export async function removeKeyFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Reads public keys for registration: one JWK, or a JWK Set (`{ "keys": [...] }`). A file that
 * holds any private member is refused: only the public half belongs on the server.
 */
export async function readPublicKeys(path: string): Promise<JWK[]> {
  const parsed = await readJsonFile(path);
  const keys: unknown[] = Array.isArray((parsed as { keys?: unknown }).keys) ? (parsed as { keys: unknown[] }).keys : [parsed];
  if (keys.length === 0) throw new UsageError(`${path} holds no keys`);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as JWK).kty !== 'string') throw new UsageError(`${path} is not a JWK or a JWK Set`);
    if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(key, member))) {
      throw new UsageError(`${path} holds a private or symmetric key: register only the public key`);
    }
  }
  return keys as JWK[];
}

/** A private JWK read from disk, and the algorithm it signs with. */
export interface PrivateKeyFile {
  jwk: JWK;
  alg: SigningAlg;
  kid: string | undefined;
  /** Set when the file is readable by group or others. */
  tooOpen: boolean;
}

/**
 * Reads a private JWK (as written by `--generate-key`). The algorithm is the JWK's `alg`, else
 * inferred from the key type: P-256 -> ES256, Ed25519 -> EdDSA, RSA -> PS256.
 */
export async function readPrivateKey(path: string): Promise<PrivateKeyFile> {
  const parsed = await readJsonFile(path);
  const jwk = parsed as JWK;
  if (typeof jwk.kty !== 'string' || typeof jwk.d !== 'string') throw new UsageError(`${path} is not a private JWK`);
  const alg = jwk.alg ?? inferAlg(jwk);
  if (alg !== 'ES256' && alg !== 'EdDSA' && alg !== 'PS256') throw new UsageError(`${path}: unsupported key algorithm (use ES256, EdDSA or PS256)`);
  const mode = (await stat(path)).mode;
  return { jwk, alg, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, tooOpen: process.platform !== 'win32' && (mode & 0o077) !== 0 };
}

function inferAlg(jwk: JWK): string | undefined {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'PS256';
  return undefined;
}

async function readJsonFile(path: string): Promise<object> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_KEY_FILE_BYTES) throw new UsageError(`${path} is too large for a key file`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as { code?: string }).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never quote the content: it may be a private key.
    throw new UsageError(`${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${path} is not a JWK`);
  return parsed;
}
