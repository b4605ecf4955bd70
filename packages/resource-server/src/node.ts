/**
 * @agentauth/resource-server/node: the parts that need Node.js, kept out of the main entry so the
 * core runs on Web APIs alone (Deno, Bun, workers, browsers' bundlers): the `node:http` adapter,
 * the client certificate of a Node TLS socket (RFC 8705 §3), the signals feed's state in a file,
 * and `verifyDpopProof` over `node:crypto` (the same rules, cheaper signatures). Everything here
 * lives in `src/node/`.
 */
export { nodeAgentAuth, type NodeHttpAdapterOptions } from './node/node-http.js';
export { fileFeedPersistence } from './node/file-feed-persistence.js';
export { socketPeerCertificate } from './node/socket-peer-certificate.js';
export { verifyDpopProof } from './node/verify-dpop-proof.js';
export type { OnRefused } from './adapters/refusal-hook.js';
