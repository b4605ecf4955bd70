import { SIGNING_ALGS } from '@agentauth/protocol';

import type { OptionSpec } from '../args.js';
import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command } from '../command.js';
import { generateAgentKey, readPublicKeys, removeKeyFile, writePrivateKeyFile } from '../key-files.js';
import { renderJson } from '../output.js';
import { checkId, printWithSecret, renderCredential } from './agent-view.js';

/** Key flags shared by `agents create` and `agents add-key`. */
export const KEY_OPTIONS: Record<string, OptionSpec> = {
  'jwk-file': { type: 'string', placeholder: 'FILE', description: 'public JWK (or JWK Set) to register' },
  'generate-key': { type: 'boolean', description: 'make a key pair here; only the public key is sent' },
  'key-out': { type: 'string', placeholder: 'FILE', description: 'where --generate-key writes the private JWK (mode 0600, never overwritten)' },
  alg: { type: 'string', placeholder: 'ALG', description: `algorithm for --generate-key: ${SIGNING_ALGS.join('|')} (default ES256)` },
};

const addKey: Command = {
  name: 'agents add-key',
  summary: 'register another public key for an agent (for rotation)',
  args: ['ID'],
  synopsis: 'ID (--jwk-file F | --generate-key --key-out F [--alg A])',
  options: KEY_OPTIONS,
  async run(context) {
    const { flags } = context;
    const id = checkId(context.args[0] ?? '', this.name);
    const admin = context.admin(); // a missing token fails before a key file is written
    const generate = flags.bool('generate-key');
    if (generate === flags.has('jwk-file')) throw new UsageError('give exactly one of --jwk-file and --generate-key', this.name);
    if (!generate && (flags.has('key-out') || flags.has('alg'))) throw new UsageError('--key-out and --alg need --generate-key', this.name);

    let jwk: Record<string, unknown>;
    let keyOut: string | undefined;
    if (generate) {
      keyOut = flags.required('key-out');
      const key = await generateAgentKey(flags.choice('alg', SIGNING_ALGS) ?? 'ES256');
      await writePrivateKeyFile(keyOut, key.privateJwk);
      jwk = key.publicJwk as Record<string, unknown>;
    } else {
      const keys = await readPublicKeys(flags.required('jwk-file'));
      if (keys.length !== 1) throw new UsageError('--jwk-file must hold exactly one key here', this.name);
      jwk = keys[0] as Record<string, unknown>;
    }
    let result;
    try {
      result = await admin.addCredential(id, { type: 'jwk', jwk });
    } catch (error) {
      if (keyOut !== undefined) await removeKeyFile(keyOut);
      throw error;
    }
    context.io.stdout(context.json ? renderJson(result) : renderCredential(result.credential));
    if (keyOut !== undefined) context.io.stderr(`private key written to ${keyOut} (mode 0600); only the public key was sent.\n`);
    return EXIT_OK;
  },
};

const addSecret: Command = {
  name: 'agents add-secret',
  summary: 'issue another client secret for an agent (shown once)',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    const result = await context.admin().addCredential(checkId(context.args[0] ?? '', this.name), { type: 'secret' });
    printWithSecret(context, result, renderCredential(result.credential));
    return EXIT_OK;
  },
};

const removeKey: Command = {
  name: 'agents remove-key',
  summary: 'remove one credential (key or secret) from an agent',
  args: ['ID', 'CREDENTIAL_ID'],
  synopsis: 'ID CREDENTIAL_ID',
  options: {},
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    const credentialId = checkId(context.args[1] ?? '', this.name, 'CREDENTIAL_ID');
    await context.admin().removeCredential(id, credentialId);
    context.io.stdout(context.json ? renderJson({ removed: credentialId, agent_id: id }) : `removed credential ${credentialId} from agent ${id}\n`);
    return EXIT_OK;
  },
};

/** Credential commands of the `agents` group. */
export const credentialCommands: Command[] = [addKey, addSecret, removeKey];
