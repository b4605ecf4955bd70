/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1): scheme and parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const MAX_HEADER = 4096;

/**
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1) into challenges, tolerant of what RFC 6750 §3 and
 * RFC 9449 §7.1 servers send: `Bearer error="...", scope="..."`, `DPoP error="use_dpop_nonce"`.
 * Bounded: a header over 4 KiB yields nothing.
 */
export function parseWwwAuthenticate(header: string | null): Challenge[] {
  if (header === null || header.length > MAX_HEADER) return [];
  const challenges: Challenge[] = [];
  const re = /\s*,?\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9!#$%&'*+.^_`|~/-]+=*)))?/gy;
  let current: Challenge | undefined;
  let match: RegExpExecArray | null;
  while ((match = re.exec(header)) !== null && match[0] !== '') {
    const [, name, quoted, token] = match;
    if (quoted === undefined && token === undefined) {
      current = { scheme: (name as string).toLowerCase(), params: {} };
      challenges.push(current);
    } else if (current !== undefined) {
      current.params[(name as string).toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token as string);
    }
  }
  return challenges;
}
