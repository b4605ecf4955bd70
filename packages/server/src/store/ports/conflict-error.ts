/** Thrown by a store when a unique key already exists. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}
