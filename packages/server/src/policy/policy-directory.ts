import type { PolicyStore } from '../store/ports/policy-store.js';
import type { EntityJson } from './cedar.js';
import { BASELINE_POLICIES, CompiledPolicySet } from './policy-set.js';

/**
 * The policy set in force, compiled in memory (decisions never touch the database). Loaded at
 * start; reloaded at once after a change on this process (`reload()`), and when the highest stored
 * version moves (a change made on another node), which every node reads each `watch` interval.
 * A stored version that no longer compiles (a schema change it predates) is not loaded: `reload()`
 * rejects and the node keeps the set it had, so a node never decides under a set it cannot read;
 * at start that rejection stops the server rather than leave the (permissive) baseline in force.
 */
export class PolicyDirectory {
  private set: CompiledPolicySet;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<PolicyStore, 'currentPolicyVersion' | 'getPolicySet'>,
    private readonly onChange: (set: CompiledPolicySet) => void = () => undefined,
  ) {
    const baseline = CompiledPolicySet.compile(0, BASELINE_POLICIES, { preparse: true });
    if (!baseline.ok) throw new Error(`the baseline policy set does not compile: ${baseline.problems.map((p) => p.message).join('; ')}`);
    this.set = baseline.set;
  }

  /** The set in force. */
  current(): CompiledPolicySet {
    return this.set;
  }

  /** Reloads the newest version now; concurrent callers share one load. */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Reads the current version every `pollIntervalMs` and reloads when it moved. Returns a stop function. */
  watch(pollIntervalMs: number, onError: (error: unknown) => void): () => void {
    const timer = setInterval(() => {
      this.store
        .currentPolicyVersion()
        .then((version) => (version !== this.set.version ? this.reload() : undefined))
        .catch(onError);
    }, pollIntervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async load(): Promise<void> {
    const record = await this.store.getPolicySet();
    if (record === undefined || record.version === this.set.version) return;
    const compiled = CompiledPolicySet.compile(record.version, { policies: record.policies, entities: record.entities as EntityJson[] }, { preparse: true });
    if (!compiled.ok) throw new Error(`policy set version ${record.version} does not compile: ${compiled.problems.map((p) => p.message).join('; ').slice(0, 500)}`);
    this.set = compiled.set;
    this.onChange(compiled.set);
  }
}
