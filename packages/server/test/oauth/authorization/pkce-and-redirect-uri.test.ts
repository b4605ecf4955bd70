import { describe, expect, it } from 'vitest';
import { verifyPkceS256 } from '../../../src/oauth/authorization/pkce.js';
import { matchRedirectUri, redirectUriProblem } from '../../../src/net/redirect-uri.js';

describe('PKCE S256 (RFC 7636)', () => {
  // RFC 7636 Appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('accepts the Appendix B example and nothing else', () => {
    expect(verifyPkceS256(verifier, challenge)).toBe(true);
    expect(verifyPkceS256(`${verifier.slice(0, -1)}x`, challenge)).toBe(false);
    expect(verifyPkceS256(undefined, challenge)).toBe(false);
  });

  it('refuses a verifier outside 43 to 128 unreserved characters (§4.1), and the plain method in disguise', () => {
    expect(verifyPkceS256('a'.repeat(42), challenge)).toBe(false);
    expect(verifyPkceS256('a'.repeat(129), challenge)).toBe(false);
    expect(verifyPkceS256(`${verifier.slice(0, -1)}+`, challenge)).toBe(false);
    // plain: the challenge is the verifier itself.
    expect(verifyPkceS256(challenge, challenge)).toBe(false);
  });
});

describe('redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7)', () => {
  it.each([
    ['https://app.example.com/cb', undefined],
    ['http://127.0.0.1/cb', undefined],
    ['http://[::1]:8080/cb', undefined],
    ['com.example.app:/oauth2redirect', undefined],
    ['http://localhost:8080/cb', '127.0.0.1'],
    ['http://app.example.com/cb', '127.0.0.1'],
    ['https://app.example.com/cb#x', 'fragment'],
    ['https://user:pw@app.example.com/cb', 'user information'],
    ['javascript:alert(1)', 'private-use'],
    ['myapp:/cb', 'private-use'],
    ['/relative', 'absolute'],
  ])('%s', (uri, problem) => {
    const found = redirectUriProblem(uri);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('matches exactly, letting only the port of a loopback IP redirect URI vary (§7.3)', () => {
    const registered = ['https://app.example.com/cb', 'http://127.0.0.1/cb?x=1', 'http://[::1]:3000/cb'];
    expect(matchRedirectUri(registered, 'https://app.example.com/cb')).toBe(true);
    expect(matchRedirectUri(registered, 'https://app.example.com/cb/')).toBe(false);
    expect(matchRedirectUri(registered, 'https://APP.example.com/cb')).toBe(false);
    expect(matchRedirectUri(registered, 'https://app.example.com:8443/cb')).toBe(false);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/cb?x=1')).toBe(true);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/cb?x=2')).toBe(false);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/cb?x=1#f')).toBe(false);
    expect(matchRedirectUri(registered, 'http://[::1]:4000/cb')).toBe(true);
    expect(matchRedirectUri(registered, 'http://localhost:4000/cb')).toBe(false);
    expect(matchRedirectUri(registered, 'http://127.0.0.1.evil.com:80/cb?x=1')).toBe(false);
  });
});
