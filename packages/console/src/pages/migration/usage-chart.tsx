import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { components } from '../../api/schema';
import { ChartFigure } from '../../components/chart-figure';
import { TableFrame } from '../../components/table-frame';

type Report = components['schemas']['MigrationReport'];
type Row = Report['rows'][number];

const ALL = '*';

function rowKey(row: Row): string {
  return `${row.agent_id} ${row.resource ?? ''}`;
}

function rowLabel(row: Row): string {
  return `${row.agent_id} at ${row.resource ?? 'no resource named'}`;
}

/** The days of one row, or of every row added up, oldest first. */
function daysOf(rows: Row[]): { day: string; tokens: number; keys: number }[] {
  const days = new Map<string, { day: string; tokens: number; keys: number }>();
  for (const row of rows) {
    for (const d of row.days) {
      const into = days.get(d.day) ?? { day: d.day, tokens: 0, keys: 0 };
      into.tokens += d.tokens;
      into.keys += d.managed_keys + d.imported_keys;
      days.set(d.day, into);
    }
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

function share(keyShare: number | null): string {
  return keyShare === null ? 'no calls' : `${Math.round(keyShare * 100)}% with keys`;
}

/**
 * Calls made with API keys against calls made with tokens, per UTC day, for every agent and
 * resource together or one of them; the rows in a table with each one's share of key calls.
 */
export function UsageChart({ report }: { report: Report }) {
  const [selected, setSelected] = useState(ALL);
  const rows = selected === ALL ? report.rows : report.rows.filter((row) => rowKey(row) === selected);
  const days = daysOf(rows);
  const keys = rows.reduce((n, r) => n + r.managed_keys + r.imported_keys, 0);
  const tokens = rows.reduce((n, r) => n + r.tokens, 0);
  const what = selected === ALL ? 'all agents and resources' : rowLabel(rows[0] as Row);
  const summary = `Last ${report.window.since}, ${what}: ${keys} ${keys === 1 ? 'call' : 'calls'} with API keys and ${tokens} with tokens over ${days.length} ${days.length === 1 ? 'day' : 'days'}.`;
  return (
    <>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="migration-row">Agent and resource</label>
          <select id="migration-row" className="wide-select" value={selected} onChange={(e) => setSelected(e.target.value)}>
            <option value={ALL}>All agents and resources</option>
            {report.rows.map((row) => (
              <option key={rowKey(row)} value={rowKey(row)}>
                {rowLabel(row)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ChartFigure
        title="API keys and tokens over time"
        summary={summary}
        chart={
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={days} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis dataKey="day" tick={{ fill: 'var(--muted)', fontSize: 12 }} />
              <YAxis allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 12 }} />
              <Tooltip contentStyle={{ background: 'var(--surface)', borderColor: 'var(--border)', color: 'var(--text)' }} />
              <Legend />
              <Bar dataKey="keys" name="with API keys" stackId="calls" fill="var(--chart-4)" isAnimationActive={false} />
              <Bar dataKey="tokens" name="with tokens" stackId="calls" fill="var(--chart-1)" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        }
      >
        <TableFrame label="Calls per agent and resource, scrollable">
          <table>
            <caption className="visually-hidden">Calls per agent and resource</caption>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Resource</th>
                <th scope="col">Managed keys</th>
                <th scope="col">Imported keys</th>
                <th scope="col">Tokens</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((row) => (
                <tr key={rowKey(row)}>
                  <td className="mono">{row.agent_id}</td>
                  <td className="mono">{row.resource ?? '—'}</td>
                  <td>{row.managed_keys}</td>
                  <td>{row.imported_keys}</td>
                  <td>{row.tokens}</td>
                  <td>{share(row.key_share)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableFrame>
      </ChartFigure>
    </>
  );
}
