import { describe, expect, it } from 'vitest';
import { checkClientIdUrl, isClientIdUrl } from '../../../src/oauth/authorization/client-id-url.js';
import { ClientMetadataError } from '../../../src/oauth/authorization/client-metadata-error.js';

const strict = { allowLoopback: false };
const refusal = (url: string, rule = strict) => {
  try {
    checkClientIdUrl(url, rule);
  } catch (error) {
    expect(error).toBeInstanceOf(ClientMetadataError);
    expect((error as ClientMetadataError).code).toBe('client_id');
    return (error as ClientMetadataError).description;
  }
  return undefined;
};

describe('client id URLs (draft-ietf-oauth-client-id-metadata-document §3)', () => {
  it('tells a URL client id from a registered one', () => {
    expect(isClientIdUrl('https://app.example.com/client.json')).toBe(true);
    expect(isClientIdUrl('HTTP://app.example.com/c')).toBe(true);
    expect(isClientIdUrl('pub_AAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
    expect(isClientIdUrl('urn:example:client')).toBe(false);
  });

  it('accepts an https URL with a path, a port and a query', () => {
    for (const url of ['https://app.example.com/client.json', 'https://app.example.com:8443/oauth/client', 'https://app.example.com/c?v=1', 'https://app.example.com/a/b/']) {
      expect(refusal(url)).toBeUndefined();
    }
  });

  it('refuses each hostile form, naming the rule', () => {
    const cases: [string, RegExp][] = [
      ['https://app.example.com/client.json#frag', /fragment/],
      ['https://app.example.com/#', /fragment/],
      ['https://user:pass@app.example.com/client.json', /user information/],
      ['https://user@app.example.com/client.json', /user information/],
      ['https://app.example.com/a/../client.json', /\. or \.\. path segments/],
      ['https://app.example.com/./client.json', /\. or \.\. path segments/],
      ['https://app.example.com/a/%2e%2E/client.json', /\. or \.\. path segments/],
      ['https://app.example.com/a/..', /\. or \.\. path segments/],
      ['https://app.example.com', /must have a path/],
      ['https://app.example.com/', /must have a path/],
      ['https://app.example.com?x=1', /must have a path/],
      ['http://app.example.com/client.json', /https/],
      ['http://127.0.0.1/client.json', /https/],
      ['HTTPS://app.example.com/client.json', /lower case/],
      ['https://93.184.216.34/client.json', /DNS name/],
      ['https://[2606:2800:220:1::]/client.json', /DNS name/],
      ['https://127.0.0.1/client.json', /DNS name/],
      ['https://2130706433/client.json', /spells its host plainly/],
      ['https://app.example.com/client json', /RFC 3986/],
      ['https://app.example.com\\@evil.example/x', /RFC 3986/],
      [`https://app.example.com/${'a'.repeat(1100)}`, /at most 1024/],
      ['https:///app.example.com/x', /spells its host plainly/],
    ];
    for (const [url, rule] of cases) expect(refusal(url), url).toMatch(rule);
  });

  it('allows http and IP literals on loopback only, and only with the opt-in', () => {
    const loopback = { allowLoopback: true };
    expect(refusal('http://127.0.0.1:8080/client.json', loopback)).toBeUndefined();
    expect(refusal('https://127.0.0.1:8443/client.json', loopback)).toBeUndefined();
    expect(refusal('http://[::1]:8080/client.json', loopback)).toBeUndefined();
    expect(refusal('http://10.0.0.8/client.json', loopback)).toMatch(/https/);
    expect(refusal('https://10.0.0.8/client.json', loopback)).toMatch(/DNS name/);
    expect(refusal('http://app.example.com/client.json', loopback)).toMatch(/https/);
  });
});
