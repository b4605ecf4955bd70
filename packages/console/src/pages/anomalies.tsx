/** Scaffold: this page is being built. */
export function AnomaliesPage() {
  return <h1>Anomalies</h1>;
}
