import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { AgentRecord, CredentialRecord } from '../store/records.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import { FetchError } from '../net/fetch-error.js';
import type { RemoteJwks } from '../net/remote-jwks.js';

/** A registered public key, parsed once so the hot path never re-imports a JWK. */
export interface ClientKey {
  credentialId: string;
  kid: string;
  /** The JWK's `alg`, when it pins one. */
  alg: string | undefined;
  key: KeyObject;
  /** RFC 8705 §3.1 thumbprint of the JWK's first `x5c` certificate (`self_signed_tls_client_auth`). */
  certificateThumbprint?: string;
}

/** An agent as the protocol core needs it: record plus ready-to-use credentials. */
export interface ClientEntry {
  agent: AgentRecord;
  keys: ClientKey[];
  /** SHA-256 digests of the agent's live client secrets. */
  secretHashes: { credentialId: string; digest: Buffer }[];
}

/**
 * Agents and their credentials, served from memory on the hot path (ARCHITECTURE.md, The request
 * that matters).
 *
 * Freshness: `invalidate(id)` is called by the agent service on this process at once, and by
 * the cluster primary's broadcast for other workers; every `pollIntervalMs` the store's change
 * counter is read (one cheap query) so that changes made by other nodes are seen too.
 */
export class ClientDirectory {
  private readonly entries = new Map<string, Promise<ClientEntry | undefined>>();
  private lastCounter: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<AgentStore, 'getAgent' | 'listCredentials' | 'agentsChangeCounter'>,
    private readonly now: () => number,
    private readonly maxEntries = 100_000,
    /** Fetches the JWK Sets of agents registered with `jwks_uri`; without it, such agents have no keys. */
    private readonly remoteJwks?: Pick<RemoteJwks, 'keys'>,
  ) {}

  /**
   * `entry` with the keys of its RFC 7591 `jwks_uri` (fetched through the SSRF guard and cached;
   * a `kid` not in the cached set causes at most one refetch per cooldown), or the reason there are
   * none. The JWK Set's keys carry the credential id `jwks_uri`.
   */
  async withRemoteKeys(entry: ClientEntry, kid: string | undefined): Promise<ClientEntry | string> {
    const uri = entry.agent.jwksUri;
    if (uri === null) return entry;
    if (this.remoteJwks === undefined) return 'jwks_uri keys are not fetched by this server';
    try {
      const keys = await this.remoteJwks.keys(uri, kid);
      return { ...entry, keys: keys.map((k) => ({ credentialId: 'jwks_uri', kid: k.kid ?? '', alg: k.alg, key: k.key })) };
    } catch (error) {
      return `jwks_uri unavailable (${error instanceof FetchError ? error.code : 'error'})`;
    }
  }

  /** The agent with this client_id and its live credentials, or undefined. */
  get(clientId: string): Promise<ClientEntry | undefined> {
    let entry = this.entries.get(clientId);
    if (entry === undefined) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      entry = this.load(clientId);
      this.entries.set(clientId, entry);
      // A failed load must not stay cached.
      entry.catch(() => this.entries.delete(clientId));
    }
    return entry;
  }

  /** Drops one agent (after a change on this process or, through the fan-out, on another node). */
  invalidate(clientId: string): void {
    this.entries.delete(clientId);
  }

  /** Drops every agent (changes may have been missed: the fan-out's subscription was broken). */
  invalidateAll(): void {
    this.entries.clear();
  }

  /** Starts watching the store's change counter. Returns a stop function. */
  watch(pollIntervalMs: number, onError: (error: unknown) => void): () => void {
    const tick = async () => {
      try {
        const counter = await this.store.agentsChangeCounter();
        if (this.lastCounter !== undefined && counter !== this.lastCounter) this.entries.clear();
        this.lastCounter = counter;
      } catch (error) {
        // Cannot tell whether anything changed: drop everything rather than serve stale state.
        this.entries.clear();
        onError(error);
      }
    };
    void tick();
    this.timer = setInterval(() => void tick(), pollIntervalMs);
    this.timer.unref();
    return () => clearInterval(this.timer);
  }

  private async load(clientId: string): Promise<ClientEntry | undefined> {
    const agent = await this.store.getAgent(clientId);
    if (agent === undefined) return undefined;
    const credentials = await this.store.listCredentials(clientId);
    const now = this.now();
    const keys: ClientKey[] = [];
    const secretHashes: ClientEntry['secretHashes'] = [];
    for (const credential of credentials) {
      if (credential.expiresAt !== null && credential.expiresAt <= now) continue;
      if (credential.kind === 'jwk') {
        const key = importPublicKey(credential);
        const x5c = credential.jwk.x5c?.[0];
        const certificateThumbprint = x5c === undefined ? undefined : createHash('sha256').update(Buffer.from(x5c, 'base64')).digest('base64url');
        if (key !== undefined) keys.push({ credentialId: credential.id, kid: credential.kid, alg: credential.jwk.alg, key, ...(certificateThumbprint ? { certificateThumbprint } : {}) });
      } else {
        secretHashes.push({ credentialId: credential.id, digest: Buffer.from(credential.secretHash, 'base64url') });
      }
    }
    return { agent, keys, secretHashes };
  }
}

function importPublicKey(credential: Extract<CredentialRecord, { kind: 'jwk' }>): KeyObject | undefined {
  try {
    // `createPublicKey` of a JWK carrying `d` would yield the public half; the API refuses such
    // JWKs before they are stored, and we import the public members only regardless.
    const { kty, crv, x, y, n, e } = credential.jwk;
    return createPublicKey({ key: { kty, crv, x, y, n, e } as JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
}
