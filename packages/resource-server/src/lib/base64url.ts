/**
 * Unpadded base64url (RFC 4648 §5, RFC 7515 §2) of some bytes, with the Web's `btoa` rather than
 * Node's `Buffer`, so the core runs on any runtime. Decoding lives in `@agentauth/protocol`
 * (`decodeBase64url`), which is strict about the one canonical spelling.
 */
export function encodeBase64url(bytes: Uint8Array): string {
  let binary = '';
  // Chunked: spreading a large array into fromCharCode would overflow the call stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
