/**
 * @agentauth/client: the SDK an agent uses to prove who it is and obtain access tokens.
 * The core uses Web APIs only (fetch, WebCrypto via jose), so it runs in Node, Deno, Bun and
 * workers alike.
 */
export {
  createClientAssertion,
  DEFAULT_ASSERTION_LIFETIME_SECONDS,
  MAX_ASSERTION_LIFETIME_SECONDS,
  type ClientAssertionOptions,
} from './client-assertion.js';
export { discover, metadataUrl, type DiscoverInit } from './discovery.js';
export { requestClientCredentialsToken, type ClientCredentialsOptions } from './client-credentials.js';
export { OAuthClientError } from './oauth-client-error.js';
export { UnexpectedResponseError, type UnexpectedResponseCode } from './unexpected-response-error.js';
export type { AuthorizationServerMetadata, TokenResponse, SigningAlg } from '@agentauth/protocol';
export { createAgent, Agent, type AccessToken, type TokenRequest, type ExchangeRequest, type AgentFetchInit, type KeyRotation, type MutualTlsTransport } from './agent.js';
export type { AgentOptions } from './agent-options.js';
export { memoryKeyStore, type KeyStore, type StoredIdentity } from './key-store.js';
export { enroll, enrollmentEndpoint, type EnrollOptions, type EnrollResult } from './enroll.js';
export { DpopKey, accessTokenHash } from './dpop.js';
export { dpopTargetUri } from '@agentauth/protocol';
export { InsufficientScopeError } from './insufficient-scope-error.js';
export type { ApprovalRequestOptions, ApprovedToken } from './approval.js';
export { createPingReceiver, type PingReceiver } from './ping-receiver.js';
export type { AuthorizationDetail } from '@agentauth/protocol';
export { RetryableError, type RetryPolicy } from './lib/retry.js';
