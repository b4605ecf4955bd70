import type { Readable } from 'node:stream';

/**
 * Reads lines and exact byte counts from a child's stdout, for a request/answer protocol such as
 * `git cat-file --batch-command`. It holds only what has arrived and not been read: with one
 * request in flight at a time, at most one answer.
 */
export class BytePipeReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#notify();
    });
    stream.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    stream.on('error', (error: Error) => {
      this.#failure = error;
      this.#notify();
    });
  }

  /** The next line, without its `\n`. Throws when the stream ends first. */
  async readLine(): Promise<string> {
    for (;;) {
      const joined = this.#peek();
      const at = joined.indexOf(0x0a);
      if (at !== -1) {
        const line = this.#take(at + 1);
        return line.toString('utf8', 0, at);
      }
      await this.#more();
    }
  }

  /** Exactly `count` bytes. Throws when the stream ends first. */
  async readBytes(count: number): Promise<Buffer> {
    while (this.#buffered < count) await this.#more();
    return this.#take(count);
  }

  #peek(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  #take(count: number): Buffer {
    const all = this.#peek();
    const taken = Buffer.from(all.subarray(0, count));
    const rest = all.subarray(count);
    this.#chunks = rest.length === 0 ? [] : [rest];
    this.#buffered = rest.length;
    return taken;
  }

  async #more(): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#ended) throw new Error('git ended its answer early');
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
