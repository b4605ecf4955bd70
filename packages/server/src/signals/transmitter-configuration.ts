import { DELIVERY_METHOD_POLL, DELIVERY_METHOD_PUSH, SSF_SPEC_VERSION, type TransmitterConfiguration } from '@agentauth/protocol';
import { SSF_PATHS } from './stream-config.js';

/**
 * The SSF 1.0 §7.1 Transmitter Configuration Metadata served at `/.well-known/ssf-configuration`:
 * both delivery methods, the stream management endpoints (no add/remove subject endpoints: every
 * stream gets every subject, `default_subjects: "ALL"`), our JWKS (SETs are signed with the keys
 * that sign access tokens) and OAuth 2.0 (RFC 6749) as the authorization scheme: a receiver gets
 * an access token with `agentauth:signals` and `resource` = the issuer, by client credentials.
 */
export function buildTransmitterConfiguration(issuer: string, jwksPath: string): TransmitterConfiguration {
  return {
    spec_version: SSF_SPEC_VERSION,
    issuer,
    jwks_uri: issuer + jwksPath,
    delivery_methods_supported: [DELIVERY_METHOD_PUSH, DELIVERY_METHOD_POLL],
    configuration_endpoint: issuer + SSF_PATHS.configuration,
    status_endpoint: issuer + SSF_PATHS.status,
    verification_endpoint: issuer + SSF_PATHS.verification,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
    default_subjects: 'ALL',
  };
}
