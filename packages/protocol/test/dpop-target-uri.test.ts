import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dpopTargetUri, normalizeTargetUri } from '../src/index.js';

describe('DPoP htu (RFC 9449 §4.2, §4.3)', () => {
  it('a client puts the target URI without query and fragment in htu', () => {
    expect(dpopTargetUri('https://API.example.com:443/a/./b?x=1#f')).toBe('https://api.example.com/a/b');
  });

  it('a server compares after RFC 3986 normalisation', () => {
    expect(normalizeTargetUri('HTTPS://api.example.com:443/%7euser/%2f')).toBe('https://api.example.com/~user/%2F');
    expect(normalizeTargetUri('https://user@api.example.com/')).toBeUndefined();
    expect(normalizeTargetUri('ftp://api.example.com/')).toBeUndefined();
  });

  it("the htu a client makes for a request compares equal to that request's URL", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9\-._~%!$&'()*+,;=:@]{0,12}$/).filter((s) => !/%(?![0-9A-Fa-f]{2})/.test(s));
    const url = fc.record({
      scheme: fc.constantFrom('http', 'https'),
      host: fc.constantFrom('api.example.com', 'API.Example.com', '127.0.0.1', '[::1]'),
      port: fc.constantFrom('', ':443', ':80', ':8443'),
      path: fc.array(segment, { maxLength: 4 }),
      query: fc.constantFrom('', '?a=1', '?b=%20'),
    });
    fc.assert(
      fc.property(url, ({ scheme, host, port, path, query }) => {
        const request = `${scheme}://${host}${port}/${path.join('/')}${query}`;
        expect(normalizeTargetUri(dpopTargetUri(request))).toBe(normalizeTargetUri(request));
      }),
    );
  });
});
