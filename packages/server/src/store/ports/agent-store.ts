import type { AgentPatch, AgentRecord, AgentStanding, AgentStatus, AuditInput, CredentialRecord, NewAgent } from '../records.js';
import type { Page, PageRequest } from './page.js';

export interface AgentFilter {
  status?: AgentStatus;
  owner?: string;
  /** Any of these owners, each compared exactly (a person's id, email and `group:<name>`s); an empty list matches none. */
  owners?: readonly string[];
  /** Every label given must match exactly. */
  labels?: Record<string, string>;
  /** Case-insensitive substring of the name. */
  nameContains?: string;
}

/** What {@link AgentStore.updateAgent} changes besides the agent's fields, in the same transaction. */
export interface AgentUpdate {
  addCredentials?: readonly CredentialRecord[];
  /** Ids of the agent's credentials to remove; one it no longer has is skipped. */
  removeCredentialIds?: readonly string[];
  /** The change's audit records. */
  audit?: readonly AuditInput[];
}

/**
 * The agent registry. Every change takes the audit records that describe it (`audit`) and appends
 * them to the audit chain in its own transaction, only when the change happens: an agent never
 * changes unrecorded, and no record names a change that did not commit.
 */
export interface AgentStore {
  /** Creates an agent with its first credentials in one transaction. Throws `ConflictError` on a duplicate id. */
  createAgent(agent: NewAgent, credentials: CredentialRecord[], now: number, audit?: readonly AuditInput[]): Promise<AgentRecord>;
  getAgent(id: string): Promise<AgentRecord | undefined>;
  /** The agent's status and `revokedBefore` only: what every presented token's check reads. */
  getAgentStanding(id: string): Promise<AgentStanding | undefined>;
  /** Ordered by id. */
  listAgents(filter: AgentFilter, page: PageRequest): Promise<Page<AgentRecord>>;
  /**
   * Applies `patch` and `update`'s credential changes, bumping `version` and `updatedAt`. Returns
   * the record as it now is, or undefined if there is no such agent (then nothing is written).
   */
  updateAgent(id: string, patch: AgentPatch, now: number, update?: AgentUpdate): Promise<AgentRecord | undefined>;
  /**
   * Sets the status. Leaving `active` also sets `revokedBefore = now`, so every token the agent
   * holds becomes inactive at once. Returns undefined if there is no such agent.
   */
  setAgentStatus(id: string, status: AgentStatus, now: number, audit?: readonly AuditInput[]): Promise<AgentRecord | undefined>;
  /** Deletes the agent and its credentials. Returns false if there was none. */
  deleteAgent(id: string, audit?: readonly AuditInput[]): Promise<boolean>;
  /** Records last-seen times in one write (batched by the server, never one per request). */
  touchAgents(lastSeen: ReadonlyMap<string, number>): Promise<void>;

  listCredentials(agentId: string): Promise<CredentialRecord[]>;
  addCredential(credential: CredentialRecord, audit?: readonly AuditInput[]): Promise<void>;
  /** Returns false if the agent has no such credential. */
  removeCredential(agentId: string, credentialId: string, audit?: readonly AuditInput[]): Promise<boolean>;
  /**
   * A monotonically increasing number bumped by every change to any agent or credential. Caches
   * poll it (one cheap read) to learn that they must reload, across processes and nodes.
   */
  agentsChangeCounter(): Promise<number>;
}
