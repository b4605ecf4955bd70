/** Scaffold: this page is being built. */
export function ApprovalsPage() {
  return <h1>Approvals</h1>;
}
