/**
 * A notice workers exchange through the node:cluster primary: an agent changed, so every worker
 * drops it from its cache at once (a suspended agent fails authentication on every worker).
 */
export interface AgentChangedNotice {
  agentauth: 'agent-changed';
  agentId: string;
}

export function isAgentChangedNotice(message: unknown): message is AgentChangedNotice {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as AgentChangedNotice).agentauth === 'agent-changed' &&
    typeof (message as AgentChangedNotice).agentId === 'string'
  );
}
