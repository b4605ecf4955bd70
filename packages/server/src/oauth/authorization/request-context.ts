/** Who asked, for the audit record. */
export interface RequestContext {
  actor: string;
  sourceIp: string | null;
  requestId: string | null;
}
