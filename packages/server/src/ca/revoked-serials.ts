import type { CaStore } from '../store/ports/ca-store.js';

/** A revoked serial is forgotten this long after its certificate expired (ms): as the store prunes it. */
export const REVOKED_RETENTION_MS = 86_400_000;

/**
 * The serials of revoked certificates, in memory, so checking a client certificate (RFC 8705
 * `tls_client_auth`, renewal over mutual TLS) costs no database read (ARCHITECTURE.md, The request
 * that matters: the hot path reads from memory). Kept correct by three feeds:
 *
 * - this node's revocations are added by the CA right after the revoking write, before the call
 *   returns (so a certificate revoked here is refused at once);
 * - other nodes' (and other workers') revocations arrive through {@link RevokedSerials.poll}, which
 *   reads the store's revocation change counter (one primary-key read) and reloads the revoked
 *   serials when it moved;
 * - until the first poll succeeded, and whenever the last one failed, the answer is "unknown" and
 *   the caller asks the database, so a store this node cannot reach never silently says "valid".
 *
 * Revocation is permanent, so the set only grows (a reload is a union, never a replacement, and
 * cannot drop a serial added meanwhile); serials leave it one day after their certificate expired.
 */
export class RevokedSerials {
  private readonly serials = new Map<string, number>();
  private counter: number | undefined;
  private fresh = false;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<CaStore, 'revocationsChangeCounter' | 'listRevokedSerials'>,
    private readonly now: () => number,
  ) {}

  /**
   * True when `serial` (canonical hex) is revoked, false when it is not, undefined when this node
   * cannot tell from memory (not loaded yet, or the last poll failed).
   */
  has(serial: string): boolean | undefined {
    if (this.serials.has(serial)) return true;
    return this.fresh ? false : undefined;
  }

  /** Records a revocation this node just wrote. */
  add(serial: string, notAfter: number): void {
    this.serials.set(serial, notAfter);
  }

  /** Loads what changed since the last poll; concurrent calls share one round. Rejects when the store failed. */
  poll(): Promise<void> {
    this.polling ??= this.load().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async load(): Promise<void> {
    try {
      // Counter first, list second: a revocation committed between the two is in the list and
      // moves the counter past what was read, so the next poll loads again (never misses one).
      const counter = await this.store.revocationsChangeCounter();
      if (counter !== this.counter) {
        for (const { serial, notAfter } of await this.store.listRevokedSerials()) this.serials.set(serial, notAfter);
        this.counter = counter;
      }
      const forgetBefore = this.now() - REVOKED_RETENTION_MS;
      for (const [serial, notAfter] of this.serials) if (notAfter < forgetBefore) this.serials.delete(serial);
      this.fresh = true;
    } catch (error) {
      this.fresh = false;
      throw error;
    }
  }

  /** Polls every `intervalMs` (and once now). Returns the stop function. */
  watch(intervalMs: number, onError: (error: unknown) => void): () => void {
    const tick = () => void this.poll().catch(onError);
    tick();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
