/** The claims a revocation decision looks at. */
export interface RevocableToken {
  jti: string;
  sub: string;
  client_id: string;
  /** Seconds since the epoch. */
  iat: number;
  cnf?: { 'x5t#S256'?: string; jkt?: string } | undefined;
}

/**
 * Where a resource server learns that tokens were revoked. `isRevoked` answers from memory; it
 * throws `VerificationError('ERR_REVOCATION_UNAVAILABLE')` when its source has been down longer
 * than allowed, so the request fails closed.
 */
export interface RevocationSource {
  isRevoked(token: RevocableToken): boolean;
}

/** What {@link RevocationState} remembers, as JSON (for persistence across restarts). */
export interface RevocationSnapshot {
  version: 1;
  /** `jti` -> ms after which the entry may be forgotten. */
  tokens: Record<string, number>;
  /** agent id -> seconds: tokens issued before are revoked. */
  agents: Record<string, number>;
  /** agent id -> seconds: certificate-bound tokens issued before are revoked. */
  certificates?: Record<string, number>;
}

/** Default time a revoked `jti` is remembered: past any agentauth token lifetime. */
export const DEFAULT_REVOCATION_RETENTION_MS = 24 * 3_600_000;
/** Default most entries of each kind. */
export const DEFAULT_REVOCATION_MAX_ENTRIES = 1_000_000;

/**
 * The revocations this resource server knows of (ARCHITECTURE.md, The request that matters): by
 * `jti`, and by agent with a revoked-before time, so that suspending an agent kills every token it
 * holds. An agent entry applies to tokens whose `sub` or `client_id` is that agent with `iat`
 * before that second (the transmitter rounds the time up, CAEP `event_timestamp`, so a token minted
 * in the same second as the revocation is refused). A certificate revocation of an agent refuses
 * its certificate-bound tokens (`cnf.x5t#S256`) issued before it: the token names a certificate
 * thumbprint, the event a serial, so every older certificate-bound token of the agent goes.
 *
 * A revoked `jti` is remembered for `retentionMs`, which must exceed the longest token lifetime;
 * an agent entry is kept as long as it is the latest (a later revocation moves it forward).
 * Bounded: beyond `maxEntries` the oldest `jti`s are dropped.
 */
export class RevocationState implements RevocationSource {
  private readonly tokens = new Map<string, number>();
  private readonly agents = new Map<string, number>();
  private readonly certificates = new Map<string, number>();

  constructor(
    private readonly options: { now?: () => number; retentionMs?: number; maxEntries?: number } = {},
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Records a revoked token identifier (CAEP `session-revoked` with a `jwt_id` subject). */
  revokeToken(jti: string): void {
    this.tokens.delete(jti);
    this.tokens.set(jti, this.now + (this.options.retentionMs ?? DEFAULT_REVOCATION_RETENTION_MS));
    this.trim();
  }

  /** Every token of `agentId` issued before `beforeSeconds` is revoked (`iss_sub` subject). */
  revokeAgent(agentId: string, beforeSeconds: number): void {
    this.moveForward(this.agents, agentId, beforeSeconds);
  }

  /** Every certificate-bound token of `agentId` issued before `beforeSeconds` is revoked. */
  revokeAgentCertificates(agentId: string, beforeSeconds: number): void {
    this.moveForward(this.certificates, agentId, beforeSeconds);
  }

  private moveForward(map: Map<string, number>, agentId: string, beforeSeconds: number): void {
    if (!Number.isFinite(beforeSeconds)) return;
    const previous = map.get(agentId);
    if (previous !== undefined && previous >= beforeSeconds) return;
    map.delete(agentId);
    map.set(agentId, beforeSeconds);
    this.trim();
  }

  isRevoked(token: RevocableToken): boolean {
    if (this.tokens.size > 0) {
      const until = this.tokens.get(token.jti);
      if (until !== undefined) return true;
    }
    if (this.agents.size > 0 && (revokedBy(this.agents, token.sub, token.iat) || revokedBy(this.agents, token.client_id, token.iat))) return true;
    if (this.certificates.size > 0 && token.cnf?.['x5t#S256'] !== undefined) {
      if (revokedBy(this.certificates, token.sub, token.iat) || revokedBy(this.certificates, token.client_id, token.iat)) return true;
    }
    return false;
  }

  snapshot(): RevocationSnapshot {
    this.trim();
    return { version: 1, tokens: Object.fromEntries(this.tokens), agents: Object.fromEntries(this.agents), certificates: Object.fromEntries(this.certificates) };
  }

  /** Merges a snapshot (e.g. read at start); malformed entries are skipped. */
  restore(snapshot: unknown): void {
    if (typeof snapshot !== 'object' || snapshot === null) return;
    const { version, tokens, agents, certificates } = snapshot as Partial<RevocationSnapshot>;
    if (version !== 1) return;
    const now = this.now;
    for (const [jti, until] of Object.entries(tokens ?? {})) {
      if (typeof until === 'number' && until > now && !this.tokens.has(jti)) this.tokens.set(jti, until);
    }
    for (const [agentId, before] of Object.entries(agents ?? {})) if (typeof before === 'number') this.revokeAgent(agentId, before);
    for (const [agentId, before] of Object.entries(certificates ?? {})) if (typeof before === 'number') this.revokeAgentCertificates(agentId, before);
    this.trim();
  }

  private trim(): void {
    const now = this.now;
    for (const [jti, until] of this.tokens) {
      if (until > now) break;
      this.tokens.delete(jti);
    }
    const max = this.options.maxEntries ?? DEFAULT_REVOCATION_MAX_ENTRIES;
    for (const map of [this.tokens, this.agents, this.certificates]) {
      while (map.size > max) {
        const oldest = map.keys().next();
        if (oldest.done) break;
        map.delete(oldest.value);
      }
    }
  }
}

function revokedBy(map: Map<string, number>, agentId: string, iat: number): boolean {
  const before = map.get(agentId);
  return before !== undefined && iat < before;
}
