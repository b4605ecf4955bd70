import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { JwksKey } from '../net/remote-jwks.js';
import { pollForChange } from '../poll-for-change.js';
import { parsePointer } from './claim-pointer.js';
import type { BindingRuleRecord, FederationStore, TrustedIssuerRecord } from '../store/ports/federation-store.js';

/** A binding rule with its pointers parsed once. */
export interface CompiledRule {
  record: BindingRuleRecord;
  matchers: ReadonlyMap<readonly string[], string>;
}

/** A trusted issuer as the verifier needs it: record, static keys parsed, rules compiled. */
export interface IssuerEntry {
  record: TrustedIssuerRecord;
  /** Parsed static keys (empty when the issuer uses `jwks_uri`). */
  staticKeys: JwksKey[];
  rules: CompiledRule[];
}

/**
 * Every trusted issuer and binding rule, in memory, keyed by exact `iss` (the verifier's lookups
 * must not touch the database). Loaded at start; reloaded at once after a change on this process
 * (`reload()`), and when the store's change counter moves (changes made on other nodes).
 * `hasIssuers()` is synchronous so the client-authentication hot path can skip federation entirely
 * when none is configured.
 */
export class FederationDirectory {
  private byIssuer = new Map<string, IssuerEntry>();
  private lastCounter: number | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly store: Pick<FederationStore, 'listTrustedIssuers' | 'listBindingRules' | 'federationChangeCounter'>) {}

  /** True when at least one issuer is trusted. */
  hasIssuers(): boolean {
    return this.byIssuer.size > 0;
  }

  /** The issuer whose identifier is exactly `iss` (RFC 7519 §4.1.1: case-sensitive). */
  issuer(iss: string): IssuerEntry | undefined {
    return this.byIssuer.get(iss);
  }

  /** Reloads everything now; concurrent callers share one load. */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Polls the change counter every `pollIntervalMs`. Returns a stop function. */
  watch(pollIntervalMs: number, onError: (error: unknown) => void): () => void {
    return pollForChange({ read: () => this.store.federationChangeCounter(), loaded: () => this.lastCounter, onChange: () => this.reload(), intervalMs: pollIntervalMs, onError });
  }

  private async load(): Promise<void> {
    // Read the counter first: a change racing the load moves it again and is picked up next poll.
    const counter = await this.store.federationChangeCounter();
    const [issuers, rules] = await Promise.all([this.store.listTrustedIssuers(), this.store.listBindingRules({})]);
    const byId = new Map<string, IssuerEntry>();
    for (const record of issuers) byId.set(record.id, { record, staticKeys: staticKeys(record), rules: [] });
    for (const rule of rules) byId.get(rule.issuerId)?.rules.push(compileRule(rule));
    this.byIssuer = new Map([...byId.values()].map((entry) => [entry.record.issuer, entry]));
    this.lastCounter = counter;
  }
}

function compileRule(record: BindingRuleRecord): CompiledRule {
  const matchers = new Map<readonly string[], string>();
  for (const [pointer, value] of Object.entries(record.claims)) {
    const tokens = parsePointer(pointer);
    // Stored rules were validated; one that no longer parses must match nothing rather than everything.
    if (tokens === undefined) return { record, matchers: new Map([[['\u0000invalid'], '\u0000']]) };
    matchers.set(tokens, value);
  }
  // A rule without a matcher would bind every token of the issuer: it matches nothing instead.
  if (matchers.size === 0) return { record, matchers: new Map([[['\u0000invalid'], '\u0000']]) };
  return { record, matchers };
}

function staticKeys(record: TrustedIssuerRecord): JwksKey[] {
  const keys: JwksKey[] = [];
  for (const jwk of record.jwks?.keys ?? []) {
    try {
      const { kty, crv, x, y, n, e } = jwk;
      keys.push({ kid: jwk.kid, alg: jwk.alg, key: createPublicKey({ key: { kty, crv, x, y, n, e } as JsonWebKey, format: 'jwk' }) });
    } catch {
      // Validated at the API; a key that no longer imports simply verifies nothing.
    }
  }
  return keys;
}
