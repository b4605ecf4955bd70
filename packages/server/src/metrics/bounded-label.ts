/** The label value every value outside a label's closed list collapses to. */
export const OTHER = 'other';

/**
 * A label whose values are a closed list, so a series count never grows with what callers send
 * (Prometheus keeps one series per label combination, in memory, forever). A value outside the
 * list, a missing one included, reads as {@link OTHER}.
 */
export class BoundedLabel {
  private readonly values: ReadonlySet<string>;

  constructor(values: Iterable<string>) {
    this.values = new Set(values);
  }

  /** `value` when listed, else `other`. */
  of(value: string | undefined | null): string {
    return value !== undefined && value !== null && this.values.has(value) ? value : OTHER;
  }
}
