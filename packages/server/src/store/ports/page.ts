/** Cursor pagination: `after` is an opaque cursor returned as `next` by the previous page. */
export interface PageRequest {
  limit: number;
  after?: string;
}

/** One page of a listing. */
export interface Page<T> {
  items: T[];
  /** Cursor of the next page; absent on the last page. */
  next?: string;
}
