import { Bar, BarChart, Cell, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { api, problemText } from '../../api/client';
import { ChartFigure, readAll } from '../../components/chart-figure';
import { Show, useLoad } from '../../components/page-state';
import { Link } from '../../router';

const DAY_MS = 86_400_000;
const STATUSES = ['active', 'suspended', 'disabled'] as const;
const STATUS_COLOURS = { active: 'var(--chart-3)', suspended: 'var(--chart-4)', disabled: 'var(--chart-2)' };

/** A count read from a bounded number of pages: "5000+" when there were more. */
function counted(n: number, more: boolean): string {
  return more ? `${n}+` : String(n);
}

/** Open anomalies (`GET /anomalies?state=open`), linking to the anomalies page. */
export function OpenAnomaliesCard() {
  const { result, reload } = useLoad(async () => {
    const all = await readAll(async (cursor) => {
      const { data, error } = await api.GET('/anomalies', { params: { query: { state: 'open', limit: 500, ...(cursor === undefined ? {} : { cursor }) } } });
      if (data === undefined) throw new Error(problemText(error));
      return data;
    }, 4);
    return all;
  }, 'anomalies');
  return (
    <section className="card" aria-labelledby="anomalies-heading">
      <h2 id="anomalies-heading">Open anomalies</h2>
      <Show loaded={result} what="open anomalies" reload={reload}>
        {({ items, more }) => (
          <>
            <p className="figure" aria-describedby="anomalies-heading">
              {counted(items.length, more)}
            </p>
            <p className="muted">
              {items.length === 0 ? 'Nothing unusual is waiting for a person. ' : 'Unusual behaviour waiting to be acknowledged or resolved. '}
              <Link to="/anomalies">Review anomalies</Link>
            </p>
          </>
        )}
      </Show>
    </section>
  );
}

/** Agents by status: one count per status, as bars and in words. */
export function AgentStatusChart() {
  const { result, reload } = useLoad(async () => {
    const counts = await Promise.all(
      STATUSES.map(async (status) => {
        const all = await readAll(async (cursor) => {
          const { data, error } = await api.GET('/agents', { params: { query: { status, limit: 500, ...(cursor === undefined ? {} : { cursor }) } } });
          if (data === undefined) throw new Error(problemText(error));
          return data;
        }, 10);
        return { status, count: all.items.length, more: all.more };
      }),
    );
    return counts;
  }, 'agents');
  return (
    <Show loaded={result} what="agents by status" reload={reload}>
      {(counts) => {
        const total = counts.reduce((sum, c) => sum + c.count, 0);
        const summary =
          total === 0 ? 'No agents are registered yet.' : `Agents by status: ${counts.map((c) => `${counted(c.count, c.more)} ${c.status}`).join(', ')}.`;
        return (
          <ChartFigure
            title="Agents by status"
            summary={summary}
            chart={
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={counts} layout="vertical" accessibilityLayer={false} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
                  <XAxis type="number" allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 12 }} />
                  <YAxis type="category" dataKey="status" width={76} tick={{ fill: 'var(--muted)', fontSize: 12 }} />
                  <Bar dataKey="count" name="agents" isAnimationActive={false}>
                    {counts.map((c) => (
                      <Cell key={c.status} fill={STATUS_COLOURS[c.status]} />
                    ))}
                  </Bar>
                </BarChart>
              </ResponsiveContainer>
            }
          >
            {total === 0 && (
              <p className="muted">
                <Link to="/agents">Register an agent</Link> to get started.
              </p>
            )}
          </ChartFigure>
        );
      }}
    </Show>
  );
}

/** Agent certificates that are not revoked and expire within the next seven days. */
export function ExpiringCertificatesCard() {
  const { result, reload } = useLoad(async () => {
    const all = await readAll(async (cursor) => {
      const { data, error } = await api.GET('/certificates', { params: { query: { limit: 500, ...(cursor === undefined ? {} : { cursor }) } } });
      if (data === undefined) throw new Error(problemText(error));
      return data;
    }, 10);
    const now = Date.now();
    const soon = all.items.filter((c) => c.revoked_at === null && Date.parse(c.not_after) > now && Date.parse(c.not_after) <= now + 7 * DAY_MS);
    return { soon: soon.sort((a, b) => a.not_after.localeCompare(b.not_after)), more: all.more };
  }, 'certificates');
  return (
    <section className="card" aria-labelledby="certificates-heading">
      <h2 id="certificates-heading">Certificates expiring within 7 days</h2>
      <Show loaded={result} what="certificates" reload={reload}>
        {({ soon, more }) => (
          <>
            <p className="figure">{counted(soon.length, more)}</p>
            {soon.length === 0 ? (
              <p className="muted">No live certificate expires in the next week.</p>
            ) : (
              <ul className="overview-list">
                {soon.slice(0, 5).map((c) => (
                  <li key={c.serial}>
                    {c.agent_id === null ? <span>server</span> : <Link to={`/agents/${encodeURIComponent(c.agent_id)}`}>{c.agent_id}</Link>}{' '}
                    <span className="muted">expires {c.not_after.slice(0, 16).replace('T', ' ')} UTC</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

/** How far the move off API keys has come over 30 days (`GET /migration/report`). */
export function MigrationCard() {
  const { result, reload } = useLoad(async () => {
    const { data, error } = await api.GET('/migration/report', { params: { query: { since: '30d' } } });
    if (data === undefined) throw new Error(problemText(error));
    return data;
  }, 'migration');
  return (
    <section className="card" aria-labelledby="migration-heading">
      <h2 id="migration-heading">API-key migration</h2>
      <Show loaded={result} what="the migration report" reload={reload}>
        {({ totals }) => {
          const keys = totals.managed_keys + totals.imported_keys;
          const share = totals.key_share === null ? null : Math.round((1 - totals.key_share) * 100);
          return (
            <>
              <p className="figure">{share === null ? '—' : `${share}%`}</p>
              <p className="muted">
                {share === null
                  ? 'No calls in the last 30 days to measure yet. '
                  : `of calls in the last 30 days used tokens: ${totals.tokens} with tokens, ${keys} with API keys. `}
                <Link to="/migration">See the migration</Link>
              </p>
            </>
          );
        }}
      </Show>
    </section>
  );
}
