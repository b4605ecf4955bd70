import { readFile, stat } from 'node:fs/promises';

import { createClientAssertion, discover, metadataUrl, requestClientCredentialsToken } from '@agentauth/client';

import { EXIT_OK, reachableFetch, UsageError } from '../cli-errors.js';
import type { Command, CommandContext } from '../command.js';
import { readPrivateKey } from '../key-files.js';
import { renderJson } from '../output.js';
import { tlsFetch } from '../tls-fetch.js';

/** PEM files are a few KB; refuse to read anything bigger. */
const MAX_PEM_BYTES = 256 * 1024;

/**
 * `agentauth token`: gets an access token the way an agent does (RFC 6749 §4.4, through
 * @agentauth/client), to debug an agent's setup. Needs no admin token. With `--key-file` it signs
 * an RFC 7523 client assertion (`private_key_jwt`); with `--cert` and `--cert-key` it talks to the
 * mutual-TLS listener (RFC 8705 §5 `mtls_endpoint_aliases`) presenting that certificate: alone,
 * the certificate authenticates (`tls_client_auth`, §2); with `--key-file` too, the assertion does
 * and the certificate is there for certificate-bound tokens (§3).
 */
export const tokenCommand: Command = {
  name: 'token',
  summary: 'get an access token as an agent would: private_key_jwt, or tls_client_auth on the mTLS listener (for debugging)',
  args: [],
  synopsis: '--client-id ID (--key-file private.json | --cert chain.pem --cert-key key.pem | both) [--scope S]... [--resource R]... [--issuer URL]',
  options: {
    'client-id': { type: 'string', placeholder: 'ID', description: "the agent's client_id" },
    'key-file': { type: 'string', placeholder: 'FILE', description: 'private JWK (as written by --generate-key): private_key_jwt' },
    cert: { type: 'string', placeholder: 'FILE', description: "the agent's certificate chain, PEM (chain.pem of 'certs issue'): mutual TLS" },
    'cert-key': { type: 'string', placeholder: 'FILE', description: "the certificate's private key, PEM (key.pem of 'certs issue')" },
    scope: { type: 'string', multiple: true, placeholder: 'SCOPE', description: 'scope to request (repeatable)' },
    resource: { type: 'string', multiple: true, placeholder: 'URI', description: 'RFC 8707 resource (repeatable)' },
    issuer: { type: 'string', placeholder: 'URL', description: 'issuer identifier (default: the server URL)' },
  },
  async run(context) {
    const { flags, io } = context;
    const clientId = flags.required('client-id');
    const keyFile = flags.string('key-file');
    const certFile = flags.string('cert');
    const certKeyFile = flags.string('cert-key');
    if ((certFile === undefined) !== (certKeyFile === undefined)) throw new UsageError('--cert and --cert-key go together', this.name);
    if (keyFile === undefined && certFile === undefined) throw new UsageError('give --key-file (private_key_jwt), or --cert and --cert-key (tls_client_auth)', this.name);
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
    const key = keyFile === undefined ? undefined : await readPrivateKey(keyFile);
    if (key?.tooOpen === true) io.stderr(`warning: ${keyFile} is readable by other users; chmod 600 it\n`);
    const certificate = certFile === undefined || certKeyFile === undefined ? undefined : await readCertificate(context, certFile, certKeyFile, this.name);

    const metadata = await discover(issuer, { fetch: reachableFetch(context.fetch) });
    let tokenEndpoint = metadata.token_endpoint;
    let doFetch = reachableFetch(context.fetch);
    if (certificate !== undefined) {
      const alias = metadata.mtls_endpoint_aliases?.token_endpoint;
      if (alias === undefined) throw new UsageError('the server advertises no mutual-TLS token endpoint (mtls_endpoint_aliases): its mTLS listener is off', this.name);
      tokenEndpoint = alias;
      doFetch = reachableFetch(tlsFetch({ ...certificate, ...(context.cacert === undefined ? {} : { ca: context.cacert }) }));
    }
    const authentication = key === undefined
      ? { tlsClientAuth: true as const }
      : { assertion: await createClientAssertion({ clientId, audience: metadata.issuer, key: key.jwk, alg: key.alg, ...(key.kid === undefined ? {} : { kid: key.kid }) }) };
    const token = await requestClientCredentialsToken({
      tokenEndpoint,
      clientId,
      ...authentication,
      ...(scopes.length === 0 ? {} : { scope: scopes.join(' ') }),
      ...(resources.length === 0 ? {} : { resource: resources }),
      fetch: doFetch,
    });
    io.stdout(context.json ? renderJson(token) : `${token.access_token}\n`);
    return EXIT_OK;
  },
};

/** The client certificate chain and its key, PEM; never quoted in an error (the key is secret). */
async function readCertificate(context: CommandContext, certFile: string, keyFile: string, command: string): Promise<{ cert: string; key: string }> {
  const read = async (path: string, flag: string, marker: RegExp, what: string) => {
    let text: string;
    try {
      const info = await stat(path);
      if (info.size > MAX_PEM_BYTES) throw new UsageError(`${flag} ${path} is too large for ${what}`, command);
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read ${flag} ${path}: ${(error as { code?: string }).code ?? 'error'}`, command);
    }
    if (!marker.test(text)) throw new UsageError(`${flag} ${path} holds no PEM ${what}`, command);
    return text;
  };
  const cert = await read(certFile, '--cert', /-----BEGIN CERTIFICATE-----/, 'certificate');
  const key = await read(keyFile, '--cert-key', /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, 'private key');
  if (process.platform !== 'win32' && ((await stat(keyFile)).mode & 0o077) !== 0) context.io.stderr(`warning: ${keyFile} is readable by other users; chmod 600 it\n`);
  return { cert, key };
}
