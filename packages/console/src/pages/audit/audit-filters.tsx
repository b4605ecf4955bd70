import { useState, type FormEvent } from 'react';

/** The filters of `GET /audit` and `GET /audit/export`, as the page's address keeps them. */
export interface AuditFilters {
  agent_id?: string;
  event?: string;
  outcome?: 'success' | 'failure';
  /** RFC 3339, UTC. */
  from?: string;
  to?: string;
}

const KEYS = ['agent_id', 'event', 'outcome', 'from', 'to'] as const;

/** Events a person most often looks for; any other event name may be typed (docs/events.md). */
const COMMON_EVENTS = [
  'access_token.issued',
  'access_token.denied',
  'access_token.revoked',
  'client_authentication.failed',
  'agent.registered',
  'agent.suspended',
  'credential.added',
  'api_key.created',
  'policy_set.applied',
  'anomaly.detected',
  'user_login.failed',
];

export function filtersFrom(query: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of KEYS) {
    const value = query.get(key)?.trim();
    if (value === undefined || value === '') continue;
    if (key === 'outcome') {
      if (value === 'success' || value === 'failure') filters.outcome = value;
    } else filters[key] = value;
  }
  return filters;
}

export function filtersQuery(filters: AuditFilters): string {
  const query = new URLSearchParams();
  for (const key of KEYS) {
    const value = filters[key];
    if (value !== undefined) query.set(key, value);
  }
  return query.toString();
}

/** `2026-12-07T18:00` (the browser's local time, as datetime-local shows it) from RFC 3339, and back. */
function toLocalInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The filter form: applying it changes the page's address, so a filtered view can be shared. */
export function AuditFilterForm({ filters, onApply }: { filters: AuditFilters; onApply: (filters: AuditFilters) => void }) {
  const [agent, setAgent] = useState(filters.agent_id ?? '');
  const [event, setEvent] = useState(filters.event ?? '');
  const [outcome, setOutcome] = useState(filters.outcome ?? '');
  const [from, setFrom] = useState(toLocalInput(filters.from));
  const [to, setTo] = useState(toLocalInput(filters.to));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: AuditFilters = {};
    if (agent.trim() !== '') next.agent_id = agent.trim();
    if (event.trim() !== '') next.event = event.trim();
    if (outcome === 'success' || outcome === 'failure') next.outcome = outcome;
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (f !== undefined) next.from = f;
    if (t !== undefined) next.to = t;
    onApply(next);
  };
  const clear = () => {
    setAgent('');
    setEvent('');
    setOutcome('');
    setFrom('');
    setTo('');
    onApply({});
  };
  return (
    <form className="toolbar" onSubmit={submit} aria-label="Filter the audit log">
      <div className="field">
        <label htmlFor="audit-agent">Agent id</label>
        <input id="audit-agent" value={agent} onChange={(e) => setAgent(e.target.value)} placeholder="agt_…" autoComplete="off" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor="audit-event">Event</label>
        <input id="audit-event" list="audit-events" value={event} onChange={(e) => setEvent(e.target.value)} placeholder="any" autoComplete="off" spellCheck={false} />
        <datalist id="audit-events">
          {COMMON_EVENTS.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor="audit-outcome">Outcome</label>
        <select id="audit-outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          <option value="">any</option>
          <option value="success">success</option>
          <option value="failure">failure</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-from">From (your time)</label>
        <input id="audit-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="audit-to">Until (your time)</label>
        <input id="audit-to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
      </div>
      <button type="submit" className="button button-primary">
        Apply filters
      </button>
      <button type="button" className="button" onClick={clear}>
        Clear
      </button>
    </form>
  );
}
