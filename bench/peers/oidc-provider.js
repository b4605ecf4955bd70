// The peer: oidc-provider in its own child process (see oidc-provider-server.js).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnNode, waitForHttp } from '../processes.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'oidc-provider-server.js');
const CLIENT_ID = 'bench';

/** The installed oidc-provider version, read from its package.json. */
export function oidcProviderVersion() {
  const main = createRequire(import.meta.url).resolve('oidc-provider');
  return JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')).version;
}

/**
 * Starts `script` (a bench peer configured by the BENCH_* environment: one client `bench` with
 * `publicJwk`, `scope`, `resource`, tokens valid `tokenTtl` s) pinned to `cpus`, and resolves once
 * `discoveryPath` answers. Shared by oidc-provider and the bare node:crypto endpoint.
 */
export async function startConfiguredPeer(script, { name, discoveryPath, publicJwk, scope, resource, tokenTtl, cpus }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const handle = spawnNode([script], {
    label: name,
    cpus,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      BENCH_PORT: String(port),
      BENCH_CLIENT_ID: CLIENT_ID,
      BENCH_CLIENT_JWK: JSON.stringify(publicJwk),
      BENCH_RESOURCE: resource,
      BENCH_SCOPE: scope,
      BENCH_TOKEN_TTL: String(tokenTtl),
    },
  });
  await waitForHttp(`${issuer}${discoveryPath}`, handle);
  return {
    name,
    issuer,
    tokenUrl: `${issuer}/token`,
    clientId: CLIENT_ID,
    /** What the server printed (last 8 KiB): warnings, or why it failed. */
    output: handle.output,
    stop: handle.stop,
  };
}

/**
 * Starts oidc-provider pinned to `cpus` with one private_key_jwt client whose public key is
 * `publicJwk`. Resolves once its discovery document answers.
 */
export function startOidcProvider(options) {
  return startConfiguredPeer(SERVER, { ...options, name: `oidc-provider ${oidcProviderVersion()}`, discoveryPath: '/.well-known/openid-configuration' });
}
