/**
 * @agentauth/cli: the `agentauth` command. The entry is `main`; the admin client is exported for
 * tests and scripts that want typed access to the admin API.
 */
export { main, DEFAULT_URL } from './main.js';
export { nodeIo } from './node-io.js';
export type { CliIo, ServerModule } from './io.js';
export { AdminApiError } from './admin-api-error.js';
export { AdminClient, type AdminClientOptions } from './admin-client.js';
export type * from './admin-types.js';
export { EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, UsageError, ServerUnreachableError, CommandFailedError, CLI_ERROR_CODES, type CliErrorCode } from './cli-errors.js';
export { renderTable, type Column } from './output.js';
