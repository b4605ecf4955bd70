import { pino, type Logger } from 'pino';
import type { AuditInput, AuditRecord } from '../../src/store/records.js';
import type { CommitResult, CommitStore, CommitUnit } from '../../src/store/ports/commit-store.js';

/** A valid audit input; override what the test is about. */
/** An event name the catalogue does not have, typed as if it did: for tests of the runtime check. */
export function unknownEvent(name: string): AuditInput['event'] {
  return name as AuditInput['event'];
}

export function auditInput(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    time: Date.UTC(2026, 0, 1),
    event: 'access_token.issued',
    outcome: 'success',
    agentId: 'agt_1',
    actor: 'agent:agt_1',
    sourceIp: '192.0.2.1',
    reason: null,
    requestId: 'req_1',
    details: { scope: 'invoices:read', jti: 'jti_1' },
    ...overrides,
  };
}

export function unitOf(...audit: AuditInput[]): CommitUnit {
  return { claims: [], audit, issuedTokens: [], onReplay: [] };
}

/**
 * Chains `inputs` the way a store does (seq from 1, genesis prevHash ''), using the real hash.
 */
export function chain(inputs: AuditInput[], hashRecord: CommitStoreHash): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prevHash = '';
  for (const [i, input] of inputs.entries()) {
    const fields = { ...input, seq: i + 1 };
    const hash = hashRecord(prevHash, fields);
    out.push({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  return out;
}

type CommitStoreHash = Parameters<CommitStore['commitUnits']>[1];

/**
 * A recording CommitStore for the group commit's batching tests (the real store is exercised in
 * group-commit-sqlite.test.ts): it keeps every call, can hold a flush open until released, and can
 * fail the next call.
 */
export class RecordingCommitStore implements CommitStore {
  readonly calls: CommitUnit[][] = [];
  readonly records: AuditRecord[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private failures: Error[] = [];

  /** Makes the following calls wait until `release()`. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  failNext(error: Error): void {
    this.failures.push(error);
  }

  async commitUnits(units: CommitUnit[], hashRecord: CommitStoreHash): Promise<CommitResult[]> {
    this.calls.push([...units]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate !== undefined) await this.gate;
      else await Promise.resolve();
      const failure = this.failures.shift();
      if (failure !== undefined) throw failure;
      return units.map((unit) => {
        const firstSeq = this.records.length + 1;
        let prevHash = this.records.at(-1)?.hash ?? '';
        for (const input of unit.audit) {
          const fields = { ...input, seq: this.records.length + 1 };
          const hash = hashRecord(prevHash, fields);
          this.records.push({ ...fields, prevHash, hash });
          prevHash = hash;
        }
        return { ok: true, firstSeq } as const;
      });
    } finally {
      this.inFlight--;
    }
  }
}

/** A real pino logger writing its JSON lines into an array. */
export function recordingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
