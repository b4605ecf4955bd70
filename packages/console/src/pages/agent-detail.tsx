/** Scaffold: this page is being built. */
export function AgentDetailPage({ id }: { id: string }) {
  return <h1>Agent {id}</h1>;
}
