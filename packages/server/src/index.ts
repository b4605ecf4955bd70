export { runServer } from './run-server.js';
export { createServer, startServer, type AgentAuthServer, type ServerOptions } from './server.js';
export { loadConfig } from './config/load-config.js';
export { ConfigError } from './config/config-error.js';
export type { Config } from './config/config.js';
export { FrozenClock, systemClock, type Clock } from './clock.js';

