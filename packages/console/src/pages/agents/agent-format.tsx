import type { components } from '../../api/schema';

/** The admin API's agent, as `GET /agents` and `GET /agents/{id}` answer it (docs/admin-api.md, "Agent"). */
export type Agent = components['schemas']['Agent'];
export type AgentToken = components['schemas']['AgentToken'];
export type AuditRecord = components['schemas']['AuditRecord'];
export type Certificate = components['schemas']['Certificate'];
export type TokenChain = components['schemas']['TokenChain'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "3 minutes ago", "in 4 minutes": a person reads the distance, the `<time>` keeps the instant. */
export function relative(iso: string, now = Date.now()): string {
  const delta = Date.parse(iso) - now;
  const size = Math.abs(delta);
  const [count, unit] = size < MINUTE ? [0, 'now'] : size < HOUR ? [Math.round(size / MINUTE), 'minute'] : size < DAY ? [Math.round(size / HOUR), 'hour'] : [Math.round(size / DAY), 'day'];
  if (unit === 'now') return 'just now';
  const amount = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return delta < 0 ? `${amount} ago` : `in ${amount}`;
}

/** An instant: relative text, the exact UTC time on hover and for machines. */
export function When({ iso, never = 'never' }: { iso: string | null | undefined; never?: string }) {
  if (iso === null || iso === undefined) return <span className="muted">{never}</span>;
  return (
    <time dateTime={iso} title={iso}>
      {relative(iso)}
    </time>
  );
}

/** The agent's lifecycle status as a badge whose text says it (colour is never the only cue). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** Labels as `key=value` chips. */
export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="agent-labels">
      {entries.map(([key, value]) => (
        <li key={key}>
          <code>
            {key}={value}
          </code>
        </li>
      ))}
    </ul>
  );
}

/** `team=payments, env=prod` (commas or new lines) to a label map; the first bad pair is named. */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  for (const raw of text.split(/[,\n]/)) {
    const pair = raw.trim();
    if (pair === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) return { error: `"${pair}" is not key=value` };
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return { labels };
}

/** Words separated by spaces, commas or new lines, empty ones dropped. */
export function words(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '');
}
