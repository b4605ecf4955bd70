/** What {@link countWalks} counted while its function ran. */
export interface Walks<T> {
  result: T;
  /** Iterators started over a Map or a Set (for...of, spread, entries/keys/values, forEach). */
  collectionWalks: number;
  /** Elements that array methods visited or copied (slice, splice, shift, indexOf, for...of, ...). */
  arrayElements: number;
}

/** Array methods whose cost grows with the array: each counts the elements it may visit or copy. */
const ARRAY_WALKS = [
  'concat', 'copyWithin', 'entries', 'every', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'flat', 'flatMap', 'forEach', 'includes', 'indexOf', 'join', 'keys', 'lastIndexOf', 'map', 'reduce',
  'reduceRight', 'reverse', 'shift', 'some', 'sort', 'splice', 'toReversed', 'toSorted', 'toSpliced', 'unshift',
  'values', 'with', Symbol.iterator,
] as const;
const COLLECTION_WALKS = ['entries', 'keys', 'values', 'forEach', Symbol.iterator] as const;

/**
 * Runs `run` (synchronous) and counts the walks a cost-per-operation test cares about, in steps
 * rather than time, so a busy machine cannot change the answer:
 *
 * - every iterator started over a Map or a Set: an iterator starts at the first slot of the hash
 *   table and steps over every slot deleted since the last rehash, so one started per operation on
 *   a large map whose old keys keep going is the regression (~20 µs a claim at 4,000 claims a second);
 * - every element an array method may visit or copy (`slice` counts what it copies, the others the
 *   array's length): a queue compacted, shifted or searched per operation shows up as a count that
 *   grows with the array instead of a constant per operation.
 *
 * The prototypes are patched only while `run` runs, and restored even if it throws.
 */
export function countWalks<T>(run: () => T): Walks<T> {
  let collectionWalks = 0;
  let arrayElements = 0;
  const restore: (() => void)[] = [];
  const wrap = (proto: object, name: string | symbol, count: (self: unknown, args: unknown[]) => void) => {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    const original = descriptor?.value as ((...args: unknown[]) => unknown) | undefined;
    if (descriptor === undefined || typeof original !== 'function') return;
    // Reflect.apply takes the arguments as a list, never through the (patched) array iterator.
    const wrapped = function (this: unknown, ...args: unknown[]) {
      count(this, args);
      return Reflect.apply(original, this, args);
    };
    Object.defineProperty(proto, name, { ...descriptor, value: wrapped });
    restore.push(() => Object.defineProperty(proto, name, descriptor));
  };
  try {
    for (const proto of [Map.prototype, Set.prototype]) {
      for (const name of COLLECTION_WALKS) wrap(proto, name, () => (collectionWalks += 1));
    }
    wrap(Array.prototype, 'slice', (self, args) => {
      const length = (self as unknown[]).length;
      const at = (i: unknown, otherwise: number) => (i === undefined ? otherwise : Math.min(length, Math.max(0, (i as number) < 0 ? length + (i as number) : (i as number))));
      arrayElements += Math.max(0, at(args[1], length) - at(args[0], 0));
    });
    for (const name of ARRAY_WALKS) wrap(Array.prototype, name, (self) => (arrayElements += (self as unknown[]).length));
    return { result: run(), collectionWalks, arrayElements };
  } finally {
    for (let i = restore.length - 1; i >= 0; i--) (restore[i] as () => void)();
  }
}
