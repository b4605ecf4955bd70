// The reference ceiling (bare-crypto-server.js) in its own child process.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnNode, waitForHttp } from '../processes.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'bare-crypto-server.js');
const CLIENT_ID = 'bench';

/** Starts the bare node:crypto endpoint pinned to `cpus`, trusting `publicJwk` for the client. */
export async function startBareCrypto({ publicJwk, scope, resource, tokenTtl, cpus }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const handle = spawnNode([SERVER], {
    label: 'bare node:crypto endpoint',
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
  await waitForHttp(`${issuer}/.well-known/oauth-authorization-server`, handle);
  return {
    name: 'bare node:crypto endpoint',
    issuer,
    tokenUrl: `${issuer}/token`,
    clientId: CLIENT_ID,
    output: handle.output,
    stop: handle.stop,
  };
}
