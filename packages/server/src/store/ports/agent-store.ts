import type { AgentPatch, AgentRecord, AgentStanding, AgentStatus, CredentialRecord, NewAgent } from '../records.js';
import type { Page, PageRequest } from './page.js';

export interface AgentFilter {
  status?: AgentStatus;
  owner?: string;
  /** Every label given must match exactly. */
  labels?: Record<string, string>;
  /** Case-insensitive substring of the name. */
  nameContains?: string;
}

/** The agent registry. */
export interface AgentStore {
  /** Creates an agent with its first credentials in one transaction. Throws `ConflictError` on a duplicate id. */
  createAgent(agent: NewAgent, credentials: CredentialRecord[], now: number): Promise<AgentRecord>;
  getAgent(id: string): Promise<AgentRecord | undefined>;
  /** The agent's status and `revokedBefore` only: what every presented token's check reads. */
  getAgentStanding(id: string): Promise<AgentStanding | undefined>;
  /** Ordered by id. */
  listAgents(filter: AgentFilter, page: PageRequest): Promise<Page<AgentRecord>>;
  /** Returns the updated record, or undefined if there is no such agent. */
  updateAgent(id: string, patch: AgentPatch, now: number): Promise<AgentRecord | undefined>;
  /**
   * Sets the status. Leaving `active` also sets `revokedBefore = now`, so every token the agent
   * holds becomes inactive at once. Returns undefined if there is no such agent.
   */
  setAgentStatus(id: string, status: AgentStatus, now: number): Promise<AgentRecord | undefined>;
  /** Deletes the agent and its credentials. Returns false if there was none. */
  deleteAgent(id: string): Promise<boolean>;
  /** Records last-seen times in one write (batched by the server, never one per request). */
  touchAgents(lastSeen: ReadonlyMap<string, number>): Promise<void>;

  listCredentials(agentId: string): Promise<CredentialRecord[]>;
  addCredential(credential: CredentialRecord): Promise<void>;
  /** Returns false if the agent has no such credential. */
  removeCredential(agentId: string, credentialId: string): Promise<boolean>;
  /**
   * A monotonically increasing number bumped by every change to any agent or credential. Caches
   * poll it (one cheap read) to learn that they must reload, across processes and nodes.
   */
  agentsChangeCounter(): Promise<number>;
}
