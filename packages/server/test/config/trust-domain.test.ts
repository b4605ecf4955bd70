import { describe, expect, it } from 'vitest';
import { defaultTrustDomain, isTrustDomain } from '../../src/config/trust-domain.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

const load = (env: Record<string, string>) => loadConfig({ argv: [], cwd: '/tmp', env: { AGENTAUTH_BOOTSTRAP_TOKEN: 'x'.repeat(40), ...env } });

describe('AGENTAUTH_TRUST_DOMAIN (SPIFFE-ID §2.1)', () => {
  it('defaults to the issuer host, without port', () => {
    expect(load({ AGENTAUTH_ISSUER: 'https://auth.example.com:8443' }).config.trustDomain).toBe('auth.example.com');
    expect(defaultTrustDomain('http://[::1]:8080')).toBeUndefined();
  });

  it('accepts a valid name and refuses uppercase, ports, schemes and empty labels', () => {
    expect(load({ AGENTAUTH_TRUST_DOMAIN: 'prod.example_org-1' }).config.trustDomain).toBe('prod.example_org-1');
    expect(isTrustDomain('')).toBe(false);
    for (const bad of ['Example.com', 'example.com:443', 'spiffe://example.com', 'a..b', '.a', 'a/b']) {
      expect(isTrustDomain(bad), bad).toBe(false);
      expect(() => load({ AGENTAUTH_TRUST_DOMAIN: bad }), bad).toThrow(ConfigError);
    }
  });
});
