/**
 * What a running server must undo when it stops, in the reverse order it was built: timers and
 * subscriptions first (they were started last), then listeners, then the parts they used, the
 * database and the data directory's lock last. A part registers its undo step as soon as it
 * exists, so a start that fails half-way undoes exactly what it had built.
 */
export class Lifecycle {
  private readonly steps: { name: string; undo: () => unknown }[] = [];
  private closing: Promise<void> | undefined;

  /** Registers how to undo what was just built; `name` is for the error log. */
  onClose(name: string, undo: () => unknown): void {
    if (this.closing !== undefined) throw new Error(`${name} was built after the server started closing`);
    this.steps.push({ name, undo });
  }

  /**
   * Runs every step once, last registered first. A step that fails is reported to `onError` and
   * the others still run; then the first failure is thrown. Idempotent: a second call waits for
   * the first.
   */
  close(onError: (name: string, error: unknown) => void): Promise<void> {
    this.closing ??= (async () => {
      let first: { error: unknown } | undefined;
      for (const { name, undo } of this.steps.reverse()) {
        try {
          await undo();
        } catch (error) {
          onError(name, error);
          first ??= { error };
        }
      }
      if (first !== undefined) throw first.error;
    })();
    return this.closing;
  }
}
