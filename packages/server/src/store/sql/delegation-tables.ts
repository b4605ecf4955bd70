/** The delegation tables (migration `0022-delegations`), part of the shared `Database` type. */
export interface DelegationTables {
  delegations: DelegationsTable;
  delegation_scopes: DelegationScopesTable;
}

/** delegation-store.ts `DelegationRecord`, without its scopes and resources. */
export interface DelegationsTable {
  user_id: string;
  agent_id: string;
  grant_id: string;
  client_id: string;
  first_used_at: number;
  last_used_at: number;
  revoked_at: number | null;
  revoked_before: number | null;
}

/** One scope or resource an agent obtained for a person. */
export interface DelegationScopesTable {
  user_id: string;
  agent_id: string;
  kind: 'scope' | 'resource';
  value: string;
}
