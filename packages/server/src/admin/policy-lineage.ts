import type { PolicySetRecord } from '../store/ports/policy-store.js';

/** Versions whose answer is remembered; stored versions never change, so an answer stays true. */
const REMEMBERED = 64;

/**
 * The version in which each policy of a set last changed, computed from the stored history (a
 * version's content is immutable, so nothing more needs storing): walking back from the version
 * asked, a policy last changed in the oldest version in an unbroken run of equal texts. The walk
 * stops at the first version whose answer is remembered, so after the first question each new
 * version costs one read.
 */
export class PolicyLineage {
  private readonly known = new Map<number, ReadonlyMap<string, number>>();

  constructor(private readonly read: (version: number) => Promise<Pick<PolicySetRecord, 'version' | 'policies'>>) {}

  /** Policy id -> the version its text last changed in, for every policy of `version`. */
  async changedIn(version: number): Promise<ReadonlyMap<string, number>> {
    const remembered = this.known.get(version);
    if (remembered !== undefined) return remembered;
    const top = await this.read(version);
    const answer = new Map<string, number>();
    let unresolved = new Map(top.policies.map((p) => [p.id, p.text] as const));
    let newer = version;
    while (unresolved.size > 0) {
      if (newer === 0) {
        for (const id of unresolved.keys()) answer.set(id, 0);
        break;
      }
      const olderTexts = new Map((await this.read(newer - 1)).policies.map((p) => [p.id, p.text] as const));
      // A remembered answer for the version before: equal text there means the same origin.
      const olderAnswer = this.known.get(newer - 1);
      const next = new Map<string, string>();
      for (const [id, text] of unresolved) {
        const origin = olderAnswer?.get(id);
        if (olderTexts.get(id) !== text) answer.set(id, newer);
        else if (origin !== undefined) answer.set(id, origin);
        else next.set(id, text);
      }
      unresolved = next;
      newer--;
    }
    this.remember(version, answer);
    return answer;
  }

  private remember(version: number, answer: ReadonlyMap<string, number>): void {
    if (this.known.size >= REMEMBERED) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(version, answer);
  }
}
