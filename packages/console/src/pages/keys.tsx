/** Scaffold: this page is being built. */
export function KeysPage() {
  return <h1>Keys and CA</h1>;
}
