/** Scaffold: this page is being built. */
export function AgentsPage() {
  return <h1>Agents</h1>;
}
