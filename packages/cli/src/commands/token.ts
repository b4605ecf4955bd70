import { createClientAssertion, discover, metadataUrl, requestClientCredentialsToken } from '@agentauth/client';

import { EXIT_OK, reachableFetch, UsageError } from '../cli-errors.js';
import type { Command } from '../command.js';
import { readPrivateKey } from '../key-files.js';
import { renderJson } from '../output.js';

/**
 * `agentauth token`: gets an access token the way an agent does (RFC 6749 §4.4 with RFC 7523
 * private_key_jwt, through @agentauth/client), to debug an agent's setup. Needs no admin token.
 */
export const tokenCommand: Command = {
  name: 'token',
  summary: 'get an access token with private_key_jwt, as an agent would (for debugging)',
  args: [],
  synopsis: '--client-id ID --key-file private.json [--scope S]... [--resource R]... [--issuer URL]',
  options: {
    'client-id': { type: 'string', placeholder: 'ID', description: "the agent's client_id" },
    'key-file': { type: 'string', placeholder: 'FILE', description: 'private JWK (as written by --generate-key)' },
    scope: { type: 'string', multiple: true, placeholder: 'SCOPE', description: 'scope to request (repeatable)' },
    resource: { type: 'string', multiple: true, placeholder: 'URI', description: 'RFC 8707 resource (repeatable)' },
    issuer: { type: 'string', placeholder: 'URL', description: 'issuer identifier (default: the server URL)' },
  },
  async run(context) {
    const { flags, io } = context;
    const clientId = flags.required('client-id');
    const keyFile = flags.required('key-file');
    const issuer = flags.string('issuer') ?? context.baseUrl;
    try {
      metadataUrl(issuer);
    } catch (error) {
      throw new UsageError(`issuer ${(error as Error).message.replace(/^issuer /, '')}`, this.name);
    }
    const scopes = flags.strings('scope');
    const resources = flags.strings('resource');
    for (const resource of resources) {
      if (!URL.canParse(resource) || resource.includes('#')) throw new UsageError('--resource must be an absolute URI without a fragment', this.name);
    }
    const key = await readPrivateKey(keyFile);
    if (key.tooOpen) io.stderr(`warning: ${keyFile} is readable by other users; chmod 600 it\n`);

    const doFetch = reachableFetch(io.fetch);
    const metadata = await discover(issuer, { fetch: doFetch });
    const assertion = await createClientAssertion({
      clientId,
      audience: metadata.issuer,
      key: key.jwk,
      alg: key.alg,
      ...(key.kid === undefined ? {} : { kid: key.kid }),
    });
    const token = await requestClientCredentialsToken({
      tokenEndpoint: metadata.token_endpoint,
      clientId,
      assertion,
      ...(scopes.length === 0 ? {} : { scope: scopes.join(' ') }),
      ...(resources.length === 0 ? {} : { resource: resources }),
      fetch: doFetch,
    });
    io.stdout(context.json ? renderJson(token) : `${token.access_token}\n`);
    return EXIT_OK;
  },
};
