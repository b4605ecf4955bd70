import { useState } from 'react';
import { api, problemText } from '../api/client';
import type { operations } from '../api/schema';
import { EmptyState, Show, useLoad } from '../components/page-state';
import { useRouter } from '../router';
import { AuditFilterForm, filtersFrom, filtersQuery, type AuditFilters } from './audit/audit-filters';
import { AuditRecordDetail, type AuditRecord } from './audit/audit-record-detail';
import { ChainVerification } from './audit/chain-verification';

const PAGE_SIZE = 50;

type AuditQuery = NonNullable<operations['queryAudit']['parameters']['query']>;

/**
 * The audit explorer: the log filtered by agent, event, outcome and time (`GET /audit`), page by
 * page, each record's every field, the hash chain verified, and the filtered records exported as
 * NDJSON (`GET /audit/export`, a plain link: the session cookie goes along).
 */
export function AuditPage() {
  const { location, navigate } = useRouter();
  const filters = filtersFrom(location.query);
  const query = filtersQuery(filters);
  // The cursors of the pages before this one, so "Previous page" can go back.
  const [pages, setPages] = useState<{ query: string; cursors: (string | undefined)[] }>({ query, cursors: [undefined] });
  const cursors = pages.query === query ? pages.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];
  const { result, reload } = useLoad(async () => {
    // The server checks the event name against its list; an unknown one comes back as a problem.
    const params: AuditQuery = { ...filters, event: filters.event as AuditQuery['event'], limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) };
    const { data, error } = await api.GET('/audit', { params: { query: params } });
    if (data === undefined) throw new Error(problemText(error));
    return data;
  }, `${query}|${cursor ?? ''}`);
  const apply = (next: AuditFilters) => {
    const q = filtersQuery(next);
    setPages({ query: q, cursors: [undefined] });
    navigate(q === '' ? '/audit' : `/audit?${q}`);
  };
  const exportHref = `/admin/v1/audit/export${query === '' ? '' : `?${query}`}`;
  return (
    <>
      <h1>Audit</h1>
      <p className="muted">Every decision and change the server made, in order. Filter, open a record, check the chain, export what you see.</p>
      <AuditFilterForm key={query} filters={filters} onApply={apply} />
      <div className="toolbar">
        <a className="button" href={exportHref} download="agentauth-audit.ndjson">
          Export these records (NDJSON)
        </a>
      </div>
      <Show loaded={result} what="audit records" reload={reload}>
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState title={query === '' ? 'The audit log is empty' : 'No record matches these filters'}>
              {query === '' ? 'Records appear as agents get tokens and people change things.' : 'Widen the time range, or clear a filter.'}
            </EmptyState>
          ) : (
            <>
              <AuditTable items={page.items} />
              <nav className="toolbar" aria-label="Audit pages">
                <button type="button" className="button" disabled={cursors.length <= 1} onClick={() => setPages({ query, cursors: cursors.slice(0, -1) })}>
                  Previous page
                </button>
                <span className="muted">
                  Page {cursors.length}, records {page.items[0]?.seq}–{page.items[page.items.length - 1]?.seq}
                </span>
                <button type="button" className="button" disabled={page.next_cursor === undefined} onClick={() => setPages({ query, cursors: [...cursors, page.next_cursor] })}>
                  Next page
                </button>
              </nav>
            </>
          )
        }
      </Show>
      <ChainVerification />
    </>
  );
}

function AuditTable({ items }: { items: AuditRecord[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Audit records</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Event</th>
            <th scope="col">Outcome</th>
            <th scope="col">Agent</th>
            <th scope="col">Actor</th>
            <th scope="col">Reason</th>
            <th scope="col">
              <span className="visually-hidden">Record</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.seq}>
              <td>{r.seq}</td>
              <td className="nowrap">{r.time.slice(0, 19).replace('T', ' ')}</td>
              <td className="mono">{r.event}</td>
              <td>
                <span className={`badge badge-${r.outcome}`}>{r.outcome}</span>
              </td>
              <td className="mono">{r.agent_id ?? '—'}</td>
              <td className="mono">{r.actor ?? '—'}</td>
              <td>{r.reason ?? '—'}</td>
              <td>
                <AuditRecordDetail record={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
