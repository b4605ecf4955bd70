// Before measuring, one request per peer proves both are configured alike: 200, and an RFC 9068
// JWT access token (typ at+jwt) signed ES256 for the requested audience.
import { Buffer } from 'node:buffer';

/** Sends `body` once and returns a one-line description of the token, or throws why not. */
export async function checkTokenResponse({ name, tokenUrl }, body, resource) {
  const response = await globalThis.fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${name}: POST /token answered ${response.status}: ${text.slice(0, 300)}`);
  const { access_token: token, token_type: tokenType } = JSON.parse(text);
  const [header, payload] = String(token).split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  const audiences = [payload.aud].flat();
  if (header.alg !== 'ES256' || header.typ !== 'at+jwt' || !audiences.includes(resource)) {
    throw new Error(`${name}: unexpected access token: header ${JSON.stringify(header)}, aud ${JSON.stringify(payload.aud)}`);
  }
  return `${name}: ${tokenType} JWT, typ ${header.typ}, alg ${header.alg}, aud ${audiences.join(' ')}, scope ${payload.scope}, ${payload.exp - payload.iat} s, ${token.length} chars`;
}
