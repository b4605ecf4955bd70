// The reference ceiling (bare-crypto-server.js) in its own child process.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConfiguredPeer } from './oidc-provider.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'bare-crypto-server.js');

/** Starts the bare node:crypto endpoint pinned to `cpus`, trusting `publicJwk` for the client. */
export function startBareCrypto(options) {
  return startConfiguredPeer(SERVER, { ...options, name: 'bare node:crypto endpoint', discoveryPath: '/.well-known/oauth-authorization-server' });
}
