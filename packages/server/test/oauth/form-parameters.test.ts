import { describe, expect, it } from 'vitest';
import { FormParameters } from '../../src/oauth/form-parameters.js';
import { OAuthError } from '../../src/oauth/oauth-error.js';

describe('FormParameters (RFC 6749 §3.1, §3.2)', () => {
  it('refuses a repeated parameter with invalid_request', () => {
    const parsed = FormParameters.parse('grant_type=client_credentials&scope=a&scope=b');
    expect(parsed).toBeInstanceOf(OAuthError);
    expect((parsed as OAuthError).code).toBe('invalid_request');
  });

  it('allows resource to repeat (RFC 8707 §2) and keeps the order', () => {
    const parsed = FormParameters.parse('resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example');
    expect(parsed).toBeInstanceOf(FormParameters);
    expect((parsed as FormParameters).getAll('resource')).toEqual(['https://a.example', 'https://b.example']);
  });

  it('treats an empty value as omitted', () => {
    const parsed = FormParameters.parse('scope=&scope=a') as FormParameters;
    expect(parsed.get('scope')).toBe('a');
    expect((FormParameters.parse('scope=') as FormParameters).has('scope')).toBe(false);
  });

  it('decodes + and percent-encoding', () => {
    const parsed = FormParameters.parse('scope=a+b%20c') as FormParameters;
    expect(parsed.get('scope')).toBe('a b c');
  });

  it('bounds the number of parameters and their length', () => {
    const many = Array.from({ length: 40 }, (_, i) => `p${i}=x`).join('&');
    expect(FormParameters.parse(many)).toBeInstanceOf(OAuthError);
    expect(FormParameters.parse(`scope=${'a'.repeat(17 * 1024)}`)).toBeInstanceOf(OAuthError);
  });
});
