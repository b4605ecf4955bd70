/** The approvals table (migration `0020-approvals`), part of the shared `Database` type. */
export interface ApprovalTables {
  approvals: ApprovalsTable;
}

/** approval-store.ts `ApprovalRecord`; JSON columns are text (`json.ts`). */
export interface ApprovalsTable {
  id: string;
  request_hash: string;
  agent_id: string;
  approver: string;
  resource: string;
  scopes: string;
  authorization_details: string;
  binding_message: string | null;
  delivery_mode: string;
  ping_secrets: string | null;
  interval_seconds: number;
  status: string;
  reason: string | null;
  decided_by: string | null;
  decided_at: number | string | null;
  last_polled_at: number | string | null;
  created_at: number | string;
  expires_at: number | string;
}
