import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id`: the enum is a `const enum`, which cannot be read across an isolated module boundary. */
const ARGON2ID = 2 as Algorithm;

/**
 * The argon2id parameters (RFC 9106 §3; OWASP Password Storage Cheat Sheet, "Argon2id": a minimum
 * of 19 MiB of memory, 2 iterations, 1 degree of parallelism). Every hash carries its parameters
 * in its PHC string, so raising these later leaves existing hashes verifiable.
 */
export const ARGON2ID_PARAMETERS = Object.freeze({
  algorithm: ARGON2ID,
  /** KiB: 19 MiB. */
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  /** Bytes of the derived hash. */
  outputLen: 32,
});

/**
 * A hash that never matches any password, verified when a sign-in names no person or a person
 * without a password, so that answer costs what a wrong password costs and timing does not say
 * which emails exist (OWASP Authentication Cheat Sheet, "Authentication Responses").
 */
let decoy: Promise<string> | undefined;

/** Hashes a password with argon2id and a fresh 16-byte salt; returns its PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID_PARAMETERS);
}

/**
 * Whether `password` matches `phc`. The comparison of the derived hash is constant time (the
 * library's). A null or malformed `phc` verifies a decoy instead and answers false, in about the
 * same time.
 */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  if (phc === null || !phc.startsWith('$argon2id$')) {
    decoy ??= hashPassword('agentauth decoy: matches no password');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(phc, password).catch(() => false);
}
