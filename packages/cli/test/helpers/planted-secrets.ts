import { generateKeyPairSync, randomBytes } from 'node:crypto';

import { formatApiKey } from '@agentauth/protocol';

/**
 * Secrets of each kind the scanner must find, made fresh at test time. Nothing here is a real
 * credential, and no literal in the repository has a vendor key's shape: every prefix is joined
 * from parts and every body is random, so secret scanners and push protection see nothing.
 */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DIGITS = '0123456789';

/** `length` random characters of `alphabet`. */
export function randomText(length: number, alphabet = ALNUM): string {
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

const join = (...parts: string[]) => parts.join('');

/** Random characters with at least one letter and one digit, as the generic rule requires. */
function mixedText(length: number): string {
  return randomText(length - 2) + randomText(1, DIGITS) + randomText(1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
}

/** A fresh, well-formed managed API key (not issued by any server). */
export function managedKey(): string {
  return formatApiKey(randomBytes(32));
}

/** One planted vendor secret: the line that holds it, the secret, and the rule that must find it. */
export interface PlantedSecret {
  name: string;
  rule: string;
  secret: string;
  line: string;
}

/** One of each vendor family the scanner covers (docs/migration.md, "Finding leaked keys"). */
export function vendorSecrets(): PlantedSecret[] {
  const plant = (name: string, rule: string, secret: string, line: (s: string) => string): PlantedSecret => ({ name, rule, secret, line: line(secret) });
  return [
    plant('aws-secret', 'secretlint/aws', randomText(40), (s) => `aws_secret_access_key = "${s}"`),
    plant('github', 'secretlint/github', join('gh', 'p_', randomText(36)), (s) => `GITHUB_TOKEN=${s}`),
    plant('gitlab', 'secretlint/gitlab', join('gl', 'pat-', randomText(20)), (s) => `GITLAB_TOKEN=${s}`),
    plant('slack', 'secretlint/slack', join('xo', 'xb-', randomText(11, DIGITS), '-', randomText(13, DIGITS), '-', randomText(24)), (s) => `slack_bot: ${s}`),
    plant('openai', 'secretlint/openai', join('sk-', 'proj-', randomText(74), 'T3Blbk', 'FJ', randomText(74)), (s) => `OPENAI=${s}`),
    plant('anthropic', 'secretlint/anthropic', join('sk-', 'ant-', 'api03-', randomText(93), 'AA'), (s) => `CLAUDE=${s}`),
    plant('npm', 'secretlint/npm', join('np', 'm_', randomText(36)), (s) => `//registry.example/:_authToken=${s}`),
    plant('stripe', 'generic-high-entropy', join('sk', '_live_', mixedText(24)), (s) => `STRIPE_SECRET_KEY=${s}`),
  ];
}

/** A fresh RSA private key in PEM, as a deploy key committed by mistake. */
export function privateKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

/**
 * Text that must not match anything: managed-key look-alikes (truncated, one character off the
 * checksum, too long), placeholders, low-entropy values and vendor shapes that are too short.
 */
export function lookalikeText(): string {
  const key = managedKey();
  const last = key.at(-1) === 'A' ? 'B' : 'A';
  return [
    `truncated: ${key.slice(0, -3)}`,
    `mistyped: ${key.slice(0, -1)}${last}`,
    `too long: ${key}x`,
    'password = "changeme"',
    'api_key = "${API_KEY}"',
    'token: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    `short: ${join('gh', 'p_')}${randomText(10)}`,
    'client_secret: your-client-secret-goes-here',
    '',
  ].join('\n');
}
