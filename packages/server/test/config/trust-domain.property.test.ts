import { ConfigError, loadConfig } from '@agentauth/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * The SPIFFE trust domain (SPIFFE-ID §2.1) as an operator sets it, through the server package's
 * exported `loadConfig` (what `agentauth start` runs), with fast-check: a name of lowercase
 * letters, digits, `.`, `-` and `_`, in non-empty dot-separated labels, at most 255 characters, is
 * taken as it is; anything else (upper case, any other character, an empty label, a port, a
 * scheme, a path, too long) is a `ConfigError` at start, never a server that issues SPIFFE IDs it
 * cannot hold.
 */

const load = (trustDomain: string) => loadConfig({ argv: [], cwd: '/tmp', env: { AGENTAUTH_BOOTSTRAP_TOKEN: 'x'.repeat(40), AGENTAUTH_TRUST_DOMAIN: trustDomain } });

const label = fc.stringMatching(/^[a-z0-9_-]{1,20}$/);
const valid = fc.array(label, { minLength: 1, maxLength: 8 }).map((labels) => labels.join('.'));

describe('AGENTAUTH_TRUST_DOMAIN (SPIFFE-ID §2.1) (fast-check)', () => {
  it('a valid name is taken as it is', () => {
    fc.assert(
      fc.property(valid, (name) => {
        expect(load(name).config.trustDomain).toBe(name);
      }),
      { numRuns: 200 },
    );
  });

  it('anything else is a ConfigError', () => {
    const insert = (chars: fc.Arbitrary<string>) => fc.tuple(valid, chars, fc.nat()).map(([name, char, at]) => name.slice(0, at % (name.length + 1)) + char + name.slice(at % (name.length + 1)));
    fc.assert(
      fc.property(
        fc.oneof(
          insert(fc.constantFrom(...'ABCXYZ /:@%+*!~?#[]\\\u00e9\u0130\u0000\t'.split(''))),
          valid.map((name) => `.${name}`),
          valid.map((name) => `${name}.`),
          fc.tuple(valid, valid).map(([a, b]) => `${a}..${b}`),
          valid.map((name) => `${name}:443`),
          valid.map((name) => `spiffe://${name}`),
          valid.map((name) => `${name}/agent`),
          fc.integer({ min: 256, max: 600 }).map((n) => 'a'.repeat(n)),
        ),
        (name) => {
          expect(() => load(name), JSON.stringify(name)).toThrow(ConfigError);
        },
      ),
      { numRuns: 200 },
    );
  });
});
