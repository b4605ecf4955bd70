import type { Clock } from '../clock.js';
import type { SigningCa } from './ca-certificate.js';
import type { CaStore, CrlRecord } from '../store/ports/ca-store.js';
import { buildCrl } from './crl.js';

/** A CRL is reissued when it is this old (ms), so one is always well within its `nextUpdate`. */
export const CRL_REISSUE_MS = 30 * 60_000;
/** `nextUpdate` is this long after `thisUpdate` (ms): the next CRL comes at the latest this soon. */
export const CRL_VALIDITY_MS = 60 * 60_000;

/**
 * Issues and stores each issuing CA's CRL (RFC 5280 §5). A revocation reissues at once (the
 * revoking call waits for it); a timer reissues CRLs older than {@link CRL_REISSUE_MS} and any that
 * misses a revocation recorded by a node that failed before reissuing. CRLs live in the database,
 * so every node serves the newest one, and cRLNumber grows by one per issue under the `ca` lock.
 */
export class CrlPublisher {
  constructor(
    private readonly deps: {
      store: CaStore;
      clock: Clock;
      logger: { error(obj: unknown, msg: string): void };
      signer: (caId: string) => SigningCa | undefined;
    },
  ) {}

  /** The current CRL of `caId` (DER), issuing one first if this node can and none exists. */
  async der(caId: string): Promise<Buffer | undefined> {
    const stored = (await this.deps.store.getCrl(caId)) ?? (await this.refresh(caId, false));
    return stored === undefined ? undefined : Buffer.from(stored.der, 'base64');
  }

  /**
   * What the admin API shows of `caId`'s CRL: the stored one's number and dates (without issuing),
   * and how many revoked, unexpired certificates it must list.
   */
  async status(caId: string): Promise<{ crl: Pick<CrlRecord, 'number' | 'thisUpdate' | 'nextUpdate'> | undefined; revoked: number }> {
    const crl = await this.deps.store.getCrl(caId);
    const revoked = await this.deps.store.listRevokedCertificates(caId, this.deps.clock.now());
    return { crl: crl === undefined ? undefined : { number: crl.number, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate }, revoked: revoked.length };
  }

  /** Reissues every CRL that is due. */
  async refreshAll(caIds: readonly string[]): Promise<void> {
    for (const id of caIds) await this.refresh(id, false);
  }

  /**
   * Reissues `caId`'s CRL when `force`d (a revocation), or when it is missing, due, or older than
   * the newest revocation. Returns the CRL now stored, if this node could sign one.
   */
  async refresh(caId: string, force: boolean): Promise<CrlRecord | undefined> {
    const ca = this.deps.signer(caId);
    if (ca === undefined) return this.deps.store.getCrl(caId);
    const now = this.deps.clock.now();
    const revoked = await this.deps.store.listRevokedCertificates(caId, now);
    const newest = revoked.reduce((max, r) => Math.max(max, r.revokedAt ?? 0), 0);
    const issued = await this.deps.store.issueCrl(
      caId,
      (current) => force || current === undefined || current.thisUpdate < newest || now - current.thisUpdate >= CRL_REISSUE_MS || current.thisUpdate > now,
      (number) => {
        const thisUpdate = Math.floor(now / 1000) * 1000;
        const nextUpdate = Math.min(thisUpdate + CRL_VALIDITY_MS, Math.max(ca.notAfter, thisUpdate + 1000));
        const der = buildCrl(ca, { number, thisUpdate, nextUpdate, revoked: revoked.map((r) => ({ serial: Buffer.from(r.serial.padStart(r.serial.length + (r.serial.length % 2), '0'), 'hex'), revokedAt: r.revokedAt ?? now })) });
        return { caId, number, thisUpdate, nextUpdate, der: der.toString('base64') };
      },
    );
    return issued ?? (await this.deps.store.getCrl(caId));
  }
}
