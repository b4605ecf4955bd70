/**
 * The one place JSON columns are encoded and decoded: both dialects store JSON as text, so what
 * is read back is exactly what `JSON.parse` gives for what was written.
 */

/** Encodes a JSON column. `undefined` members vanish, as in any JSON document. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Decodes a JSON column written by `toJson`. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
