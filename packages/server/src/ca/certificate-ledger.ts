import type { CaStore, IssuedCertificateRecord } from '../store/ports/ca-store.js';

interface Waiter {
  record: IssuedCertificateRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of issued-certificate records (DESIGN.md §4): every `record` call resolves once its
 * record is durable, and records that arrive while a write is in flight share the next transaction,
 * so thousands of issuances a second cost a few transactions, not thousands of fsyncs.
 */
export class CertificateLedger {
  private pending: Waiter[] = [];
  private flushing = false;

  constructor(private readonly store: Pick<CaStore, 'recordCertificates'>) {}

  /** Resolves when the record is stored; rejects if its batch failed. */
  record(record: IssuedCertificateRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // One macrotask of gathering: requests arriving together share the transaction.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.store.recordCertificates(batch.map((waiter) => waiter.record));
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.flushing = false;
  }
}
