/**
 * @agentauth/resource-server/node: the parts that need Node.js (`node:http`, the file system).
 */
export { nodeAgentAuth, type NodeHttpAdapterOptions } from './adapters/node-http.js';
export type { OnRefused } from './adapters/refusal-hook.js';
export { fileFeedPersistence } from './file-feed-persistence.js';
