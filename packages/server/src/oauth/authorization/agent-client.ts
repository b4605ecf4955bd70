import { isPrivilegedScope } from '@agentauth/protocol';
import { AGENT_ID_PATTERN } from '../../agents/agent-ids.js';
import type { AgentRecord } from '../../store/records.js';
import type { PublicClient } from './client-metadata-document.js';

/**
 * Whether `clientId` names an agent of the registry (`agt_...`): such a client of the
 * authorization code flow is confidential (RFC 6749 §2.1) and is never looked up among public
 * clients, so no row kept for its consents can stand in for the agent.
 */
export function isAgentClientId(clientId: string): boolean {
  return AGENT_ID_PATTERN.test(clientId);
}

/**
 * An agent as a client of the authorization code flow (docs/oauth.md, "Agents as clients of the
 * authorization code flow"), or undefined when it registered no redirect URI (RFC 6749 §3.1.2:
 * without one it cannot receive a code). Its scopes are those it may ask a person for: its own,
 * without any `agentauth:*` scope, which is never granted to a person's client. `agent` marks it
 * confidential: it authenticates at the token endpoint with its registered method.
 */
export function agentAsClient(agent: AgentRecord): (PublicClient & { agent: AgentRecord }) | undefined {
  const redirectUris = agent.redirectUris ?? [];
  if (redirectUris.length === 0) return undefined;
  return { clientId: agent.id, name: agent.name, redirectUris: [...redirectUris], scopes: agent.scopes.filter((s) => !isPrivilegedScope(s)), createdAt: agent.createdAt, agent };
}
