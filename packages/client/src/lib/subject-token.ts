/**
 * Whether `clientId` is the current party of a JWT subject token: its latest actor (`act.sub`), or
 * its subject without an `act`. Anything that is not a readable JWT counts as another party's.
 * The claims are only read, not trusted: the server decides.
 */
export function isCurrentParty(subjectToken: string, clientId: string): boolean {
  const payload = subjectToken.split('.')[1];
  if (payload === undefined) return false;
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(payload))) as { sub?: unknown; act?: { sub?: unknown } };
    const current = claims.act?.sub ?? claims.sub;
    return current === clientId;
  } catch {
    return false;
  }
}

function base64urlDecode(value: string): Uint8Array {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
