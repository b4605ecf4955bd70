/**
 * The "last seen" filter of the agents list. The admin API has no such filter (GET /agents filters
 * by name, owner, status and labels), so the console applies it to the agents the API returned.
 */
export type LastSeen = '' | '1h' | '24h' | '7d' | '30d' | 'stale' | 'never';

export const LAST_SEEN: { value: LastSeen; label: string }[] = [
  { value: '', label: 'any time' },
  { value: '1h', label: 'in the last hour' },
  { value: '24h', label: 'in the last 24 hours' },
  { value: '7d', label: 'in the last 7 days' },
  { value: '30d', label: 'in the last 30 days' },
  { value: 'stale', label: 'not in 30 days' },
  { value: 'never', label: 'never' },
];

const HOUR = 3_600_000;
const WITHIN: Record<'1h' | '24h' | '7d' | '30d', number> = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };

/** Whether an agent last seen at `seen` (null: never) passes the filter, at `now`. */
export function seenWithin(seen: string | null, filter: LastSeen, now = Date.now()): boolean {
  if (filter === '') return true;
  if (filter === 'never') return seen === null;
  const age = seen === null ? Infinity : now - Date.parse(seen);
  if (filter === 'stale') return age > WITHIN['30d'];
  return age <= WITHIN[filter];
}
