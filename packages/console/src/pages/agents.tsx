import { useEffect, useState, type FormEvent } from 'react';
import { api, problemText } from '../api/client';
import { EmptyState, ErrorNotice, Show, useLoad } from '../components/page-state';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { Labels, StatusBadge, When, type Agent } from './agents/agent-format';
import { TableFrame } from '../components/table-frame';
import { CreateAgentDialog } from './agents/create-agent-dialog';
import { LAST_SEEN, seenWithin, type LastSeen } from './agents/last-seen';

/** The filters of the list, kept in the address so a filtered view can be linked and Back works. */
interface Filters {
  name: string;
  owner: string;
  status: '' | 'active' | 'suspended' | 'disabled';
  label: string;
  seen: LastSeen;
}

function filtersOf(query: URLSearchParams): Filters {
  const status = query.get('status') ?? '';
  const seen = query.get('seen') ?? '';
  return {
    name: query.get('name') ?? '',
    owner: query.get('owner') ?? '',
    status: status === 'active' || status === 'suspended' || status === 'disabled' ? status : '',
    label: query.get('label') ?? '',
    seen: LAST_SEEN.some((s) => s.value === seen) ? (seen as LastSeen) : '',
  };
}

function queryOf(filters: Filters): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value.trim() !== '') query.set(key, value.trim());
  const text = query.toString();
  return text === '' ? '/agents' : `/agents?${text}`;
}

/** How many agents one page of the list asks for; "Show more" follows the API's cursor. */
const PAGE = 100;

/**
 * The agents page: search and filter, a table linking to each agent, and "Create agent" for
 * operators and admins. Name (substring), owner, status and one label are filtered by the admin
 * API (`GET /agents?name=&owner=&status=&label=`); "last seen" is not an API filter, so it is
 * applied here, to the agents the API returned.
 */
export function AgentsPage() {
  const { can } = useSession();
  const { location, navigate } = useRouter();
  const applied = filtersOf(location.query);
  const [draft, setDraft] = useState<Filters>(applied);
  const key = queryOf(applied);
  // Back and Forward change the address: the form shows the filters in force.
  useEffect(() => setDraft(filtersOf(location.query)), [key]);
  const [moreError, setMoreError] = useState<string>();
  const [more, setMore] = useState<{ key: string; items: Agent[]; next?: string }>({ key, items: [] });

  const { result, reload } = useLoad(async () => {
    const { data, error } = await api.GET('/agents', { params: { query: { limit: PAGE, ...apiFilters(applied) } } });
    if (data === undefined) throw new Error(problemText(error));
    return data;
  }, key);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    navigate(queryOf(draft));
  };
  const clear = () => {
    const empty: Filters = { name: '', owner: '', status: '', label: '', seen: '' };
    setDraft(empty);
    navigate('/agents');
  };
  const set = (field: keyof Filters) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));
  const filtered = key !== '/agents';
  const extra = more.key === key ? more : { key, items: [] as Agent[] };

  return (
    <>
      <div className="agents-head">
        <h1>Agents</h1>
        {can.operate && <CreateAgentDialog onCreated={reload} />}
      </div>
      <form className="toolbar" role="search" aria-label="Filter agents" onSubmit={apply}>
        <TextFilter label="Name contains" type="search" value={draft.name} onChange={set('name')} />
        <TextFilter label="Owner" value={draft.owner} onChange={set('owner')} />
        <div className="field">
          <label htmlFor="agent-filter-status">Status</label>
          <select id="agent-filter-status" value={draft.status} onChange={(e) => set('status')(e.target.value)}>
            <option value="">any</option>
            <option value="active">active</option>
            <option value="suspended">suspended</option>
            <option value="disabled">disabled</option>
          </select>
        </div>
        <TextFilter label="Label (key=value)" value={draft.label} onChange={set('label')} placeholder="team=payments" />
        <div className="field">
          <label htmlFor="agent-filter-seen">Last seen</label>
          <select id="agent-filter-seen" value={draft.seen} onChange={(e) => set('seen')(e.target.value)}>
            {LAST_SEEN.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary">
          Apply filters
        </button>
        {filtered && (
          <button type="button" className="button" onClick={clear}>
            Clear filters
          </button>
        )}
      </form>
      <Show loaded={result} what="agents" reload={reload}>
        {(page) => {
          const all = [...page.items, ...extra.items];
          const next = extra.items.length > 0 ? extra.next : page.next_cursor;
          const shown = all.filter((a) => seenWithin(a.last_seen_at, applied.seen));
          if (shown.length === 0 && next === undefined) {
            return filtered ? (
              <EmptyState title="No agent matches these filters">
                <p>Change or clear the filters to see more agents.</p>
              </EmptyState>
            ) : (
              <EmptyState title="No agents yet">
                <p>
                  {can.operate ? (
                    <>
                      Create one with <strong>Create agent</strong> above (or <code>agentauth agents create</code> on the command line).
                    </>
                  ) : (
                    <>
                      An operator or admin creates agents, here or with <code>agentauth agents create</code>.
                    </>
                  )}
                </p>
              </EmptyState>
            );
          }
          return (
            <>
              <p className="muted" role="status">
                {shown.length} agent{shown.length === 1 ? '' : 's'} shown{next !== undefined ? '; more match' : ''}.
              </p>
              <AgentTable agents={shown} />
              {next !== undefined && (
                <button
                  type="button"
                  className="button agents-more"
                  onClick={() => {
                    setMoreError(undefined);
                    void api.GET('/agents', { params: { query: { limit: PAGE, cursor: next, ...apiFilters(applied) } } }).then(({ data, error }) => {
                      if (data === undefined) setMoreError(`Could not load more agents: ${problemText(error)}`);
                      else setMore({ key, items: [...extra.items, ...data.items], ...(data.next_cursor === undefined ? {} : { next: data.next_cursor }) });
                    });
                  }}
                >
                  Show more
                </button>
              )}
              {moreError !== undefined && <ErrorNotice message={moreError} />}
            </>
          );
        }}
      </Show>
    </>
  );
}

function apiFilters(f: Filters): { name?: string; owner?: string; status?: 'active' | 'suspended' | 'disabled'; label?: string[] } {
  return {
    ...(f.name === '' ? {} : { name: f.name }),
    ...(f.owner === '' ? {} : { owner: f.owner }),
    ...(f.status === '' ? {} : { status: f.status }),
    ...(f.label === '' ? {} : { label: [f.label] }),
  };
}

function TextFilter({ label, value, onChange, type = 'text', placeholder }: { label: string; value: string; onChange: (v: string) => void; type?: string; placeholder?: string }) {
  const id = `agent-filter-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} maxLength={200} />
    </div>
  );
}

function AgentTable({ agents }: { agents: Agent[] }) {
  return (
    <TableFrame label="Agents">
      <table>
        <caption className="visually-hidden">Agents</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">ID</th>
            <th scope="col">Owner</th>
            <th scope="col">Status</th>
            <th scope="col">Labels</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((agent) => (
            <tr key={agent.id}>
              <td>
                <Link to={`/agents/${encodeURIComponent(agent.id)}`}>{agent.name}</Link>
              </td>
              <td className="mono">{agent.id}</td>
              <td>{agent.owner}</td>
              <td>
                <StatusBadge status={agent.status} />
              </td>
              <td>
                <Labels labels={agent.labels} />
              </td>
              <td>
                <When iso={agent.last_seen_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableFrame>
  );
}
