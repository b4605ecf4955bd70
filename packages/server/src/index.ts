export { runServer } from './main/run-server.js';
export { createServer, type AgentAuthServer, type ServerOptions } from './main/create-server.js';
export { startServer } from './main/start-server.js';
export { loadConfig } from './config/load-config.js';
export { ConfigError } from './config/config-error.js';
export type { Config } from './config/config.js';
export { FrozenClock, systemClock, type Clock } from './clock.js';

