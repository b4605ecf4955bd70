import { describe, expect, it } from 'vitest';
import { authorizationServerMetadataUrl, protectedResourceMetadataUrl } from '../src/index.js';

describe('well-known metadata URLs', () => {
  it('puts the suffix between the host and the path (RFC 8414 §3.1 example)', () => {
    expect(authorizationServerMetadataUrl('https://example.com/issuer1').href).toBe('https://example.com/.well-known/oauth-authorization-server/issuer1');
    expect(authorizationServerMetadataUrl('https://example.com').href).toBe('https://example.com/.well-known/oauth-authorization-server');
    expect(authorizationServerMetadataUrl('https://example.com/').href).toBe('https://example.com/.well-known/oauth-authorization-server');
  });

  it('drops a terminating slash of the path (RFC 9728 §3.1)', () => {
    expect(protectedResourceMetadataUrl('https://resource.example.com/resource1/').href).toBe('https://resource.example.com/.well-known/oauth-protected-resource/resource1');
    expect(protectedResourceMetadataUrl('http://127.0.0.1:8080/mcp').href).toBe('http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp');
  });

  it('throws TypeError for an identifier that is not an absolute URL', () => {
    expect(() => authorizationServerMetadataUrl('as.example.com')).toThrow(TypeError);
  });
});
