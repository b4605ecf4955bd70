/** `GET /readyz`'s status. */
export async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}
