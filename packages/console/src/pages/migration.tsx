/** Scaffold: this page is being built. */
export function MigrationPage() {
  return <h1>API-key migration</h1>;
}
