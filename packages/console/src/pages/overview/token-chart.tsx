import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, problemText } from '../../api/client';
import type { components } from '../../api/schema';
import { ChartFigure } from '../../components/chart-figure';
import { Show, useLoad } from '../../components/page-state';
import { TableFrame } from '../../components/table-frame';

type TokenStats = components['schemas']['TokenStats'];

const WINDOWS = { '24h': { label: 'Last 24 hours', bucket: 'hour' }, '7d': { label: 'Last 7 days', bucket: 'day' } } as const;
type Window = keyof typeof WINDOWS;
/** The refusal series take the chart colours after the one for tokens issued. */
const REFUSAL_COLOURS = ['var(--chart-2)', 'var(--chart-4)', 'var(--chart-3)', 'var(--muted)'];

function bucketLabel(start: string, bucket: 'hour' | 'day'): string {
  return bucket === 'hour' ? `${start.slice(11, 16)} UTC` : start.slice(0, 10);
}

function reasonList(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
}

/**
 * Access tokens issued and token requests refused per hour (or day), the refusals stacked by
 * their reason (`GET /stats/tokens`), with the totals in words and the busy buckets as a table.
 */
export function TokenChart() {
  const [window, setWindow] = useState<Window>('24h');
  const { bucket, label } = WINDOWS[window];
  const { result, reload } = useLoad(async (): Promise<TokenStats> => {
    const { data, error } = await api.GET('/stats/tokens', { params: { query: { since: window, bucket } } });
    if (data === undefined) throw new Error(problemText(error));
    return data;
  }, window);
  return (
    <section aria-labelledby="tokens-heading" className="overview-wide">
      <div className="toolbar">
        <h2 id="tokens-heading" className="overview-section-title">
          Tokens
        </h2>
        <div className="field">
          <label htmlFor="tokens-window">Window</label>
          <select id="tokens-window" value={window} onChange={(event) => setWindow(event.target.value as Window)}>
            {Object.entries(WINDOWS).map(([value, w]) => (
              <option key={value} value={value}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Show loaded={result} what="token statistics" reload={reload}>
        {(stats) => {
          const reasons = Object.keys(stats.totals.reasons).sort();
          const rows = stats.buckets.map((b) => ({ label: bucketLabel(b.start, stats.bucket), issued: b.issued, ...b.reasons }));
          const busy = stats.buckets.filter((b) => b.issued + b.refused > 0);
          const refusals = stats.totals.refused === 0 ? 'none refused' : `${stats.totals.refused} refused (${reasonList(stats.totals.reasons)})`;
          const summary = `${label}: ${stats.totals.issued} tokens issued, ${refusals}.${stats.truncated ? ' Counts are a lower bound: the audit log had more records than one answer reads.' : ''}`;
          return (
            <ChartFigure
              title={`Tokens issued and refused, ${label.toLowerCase()}`}
              summary={summary}
              chart={
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                    <XAxis dataKey="label" tick={{ fill: 'var(--muted)', fontSize: 12 }} minTickGap={16} />
                    <YAxis allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 12 }} />
                    <Tooltip contentStyle={{ background: 'var(--surface)', borderColor: 'var(--border)', color: 'var(--text)' }} />
                    <Legend />
                    <Bar dataKey="issued" name="issued" fill="var(--chart-1)" isAnimationActive={false} />
                    {reasons.map((reason, i) => (
                      <Bar key={reason} dataKey={reason} name={`refused: ${reason}`} stackId="refused" fill={REFUSAL_COLOURS[i % REFUSAL_COLOURS.length]} isAnimationActive={false} />
                    ))}
                  </BarChart>
                </ResponsiveContainer>
              }
            >
              {busy.length === 0 ? (
                <p className="muted">No token was asked for in this window. Agents get tokens at the token endpoint (docs/oauth.md); each request shows here.</p>
              ) : (
                <details>
                  <summary>The numbers, per {stats.bucket}</summary>
                  <TableFrame label="The numbers, scrollable">
                    <table>
                      <caption className="visually-hidden">Tokens issued and refused per {stats.bucket}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{stats.bucket === 'hour' ? 'Hour' : 'Day'}</th>
                          <th scope="col">Issued</th>
                          <th scope="col">Refused</th>
                          <th scope="col">Refusal reasons</th>
                        </tr>
                      </thead>
                      <tbody>
                        {busy.map((b) => (
                          <tr key={b.start}>
                            <td>{bucketLabel(b.start, stats.bucket)}</td>
                            <td>{b.issued}</td>
                            <td>{b.refused}</td>
                            <td>{reasonList(b.reasons) || '—'}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableFrame>
                </details>
              )}
            </ChartFigure>
          );
        }}
      </Show>
    </section>
  );
}
