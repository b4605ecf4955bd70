/** Scaffold: this page is being built. */
export function AuditPage() {
  return <h1>Audit</h1>;
}
