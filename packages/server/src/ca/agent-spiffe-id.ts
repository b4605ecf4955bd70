/** `spiffe://<trust-domain>/agent/<agent-id>`, the one URI SAN of an agent's X.509-SVID. */
export function agentSpiffeId(trustDomain: string, agentId: string): string {
  // Agent ids are [A-Za-z0-9_-] (agent-ids.ts), all valid SPIFFE path segment characters (§2.2).
  return `spiffe://${trustDomain}/agent/${agentId}`;
}
