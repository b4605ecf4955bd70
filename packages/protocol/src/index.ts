export * from './oauth-errors.js';
export * from './grant-types.js';
export * from './client-auth-methods.js';
export * from './algorithms.js';
export * from './scopes.js';
export * from './access-token-claims.js';
export * from './metadata.js';
export * from './shared-signals.js';
