/**
 * The admin API's resources as the CLI sends and reads them (docs/admin-api.md). They are the
 * server's own wire types, made from the schemas it validates with and publishes in its OpenAPI
 * document; imported as types only, so using them never loads the server.
 */
import type { AuditQuery, CreateAgentRequest, CreateTrustedIssuerRequest, ListAgentsQuery } from '@agentauth/server/admin-api';

export type * from '@agentauth/server/admin-api';

/** The RFC 8705 §2.1.2 subject fields of a `tls_client_auth` agent; `null` clears one in a `PATCH`. */
export type TlsSubjectField = 'tls_client_auth_san_uri' | 'tls_client_auth_san_dns' | 'tls_client_auth_subject_dn';

/** The members `POST` and `PATCH` share. */
export type AgentFields = Partial<Omit<CreateAgentRequest, 'name' | 'owner' | 'jwks' | 'jwks_uri' | TlsSubjectField>>;

/** `GET /agents` as `AdminClient.listAgents` takes it: each `label` filter (`key=value`) in `labels`. */
export type ListAgentsOptions = Omit<ListAgentsQuery, 'label'> & { labels?: string[] };

/**
 * `GET /audit` filters and page as the user typed them: the server's names, with the event and
 * outcome as given, since only the server knows its closed lists and names the rule it refuses.
 */
export type AuditOptions = { [K in keyof AuditQuery]?: K extends 'limit' ? number : string };

/** `POST /trusted-issuers` as the user typed it: the server checks the algorithm names against its allow-list. */
export type TrustedIssuerOptions = Omit<CreateTrustedIssuerRequest, 'algorithms'> & { algorithms?: string[] };
