/**
 * What a fault test checks after the fault, through the admin API as an operator would: the `jti`s
 * of every `access_token.issued` record (the export, JSON lines), and the hash chain's verification.
 */
export async function issuedJtis(url: string, adminToken: string): Promise<Set<string>> {
  const response = await fetch(`${url}/admin/v1/audit/export?event=access_token.issued`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (response.status !== 200) throw new Error(`audit export answered ${response.status}: ${await response.text()}`);
  const jtis = new Set<string>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as { details?: { jti?: unknown } };
    if (typeof record.details?.jti === 'string') jtis.add(record.details.jti);
  }
  return jtis;
}

/** `POST /admin/v1/audit/verify`: the chain's verdict and how many records it checked. */
export async function verifyAuditChain(url: string, adminToken: string): Promise<{ ok: boolean; records_checked: number }> {
  const response = await fetch(`${url}/admin/v1/audit/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (response.status !== 200) throw new Error(`audit verify answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { ok: boolean; records_checked: number };
}

/** `GET /readyz`'s status. */
export async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}
