/** Scaffold: this page is being built. */
export function PoliciesPage() {
  return <h1>Policies</h1>;
}
