import { api, problemText } from '../../api/client';
import { Show, useLoad } from '../../components/page-state';
import { Link } from '../../router';
import { When, type AuditRecord } from '../agents/agent-format';
import { TableFrame } from '../../components/table-frame';

/** How far back the timeline reads, how many records it reads at most, and how many it shows. */
const DAYS = 30;
const PAGE = 500;
const PAGES_MAX = 4;
const SHOWN = 100;

/**
 * The decisions made about this agent's requests, from the audit records that carry them
 * (docs/events.md): a token issued under the policy (its scope and audience) or refused (its
 * reason), a certificate or authorization refused, and the AuthZEN tallies of a service.
 */
const DECISIONS: Record<string, 'allowed' | 'denied' | 'summary'> = {
  'access_token.issued': 'allowed',
  'access_token.denied': 'denied',
  'certificate.issued': 'allowed',
  'certificate.denied': 'denied',
  'authorization.denied': 'denied',
  'access_evaluation.summarized': 'summary',
};

/**
 * `GET /audit?agent_id=` answers in `seq` order, oldest first; the timeline wants the newest, so
 * it follows the cursor through the last 30 days (up to 2,000 records) and keeps the tail.
 */
async function latestRecords(agentId: string): Promise<{ records: AuditRecord[]; partial: boolean }> {
  const from = new Date(Date.now() - DAYS * 86_400_000).toISOString();
  let tail: AuditRecord[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < PAGES_MAX; i += 1) {
    const { data, error } = await api.GET('/audit', { params: { query: { agent_id: agentId, from, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) } } });
    if (data === undefined) throw new Error(problemText(error));
    tail = [...tail, ...data.items].slice(-SHOWN);
    cursor = data.next_cursor;
    if (cursor === undefined) return { records: tail.reverse(), partial: false };
  }
  return { records: tail.reverse(), partial: true };
}

function what(record: AuditRecord): string {
  const d = record.details as Record<string, unknown>;
  if (record.event === 'access_token.issued') {
    const aud = Array.isArray(d['aud']) ? d['aud'].join(' ') : '';
    return `scope "${typeof d['scope'] === 'string' ? d['scope'] : ''}"${aud === '' ? '' : ` for ${aud}`}`;
  }
  if (record.event === 'access_evaluation.summarized') return `${String(d['permitted'] ?? 0)} permitted, ${String(d['denied'] ?? 0)} denied of ${String(d['evaluations'] ?? 0)}`;
  return record.reason ?? '';
}

/** The agent's policy decisions and its audit timeline, newest first; the audit page has the rest. */
export function AuditSection({ agentId, version }: { agentId: string; version: number }) {
  const { result, reload } = useLoad(() => latestRecords(agentId), `${agentId}#${version}`);
  return (
    <Show loaded={result} what="the audit timeline" reload={reload}>
      {({ records, partial }) => {
        const decisions = records.filter((r) => DECISIONS[r.event] !== undefined).slice(0, 20);
        return (
          <>
            <section aria-labelledby="agent-decisions">
              <h2 id="agent-decisions">Policy decisions</h2>
              {decisions.length === 0 ? (
                <p className="muted">No token, certificate or authorization decision about this agent in the last {DAYS} days.</p>
              ) : (
                <TableFrame label="Policy decisions">
                  <table>
                    <caption className="visually-hidden">Policy decisions, newest first</caption>
                    <thead>
                      <tr>
                        <th scope="col">When</th>
                        <th scope="col">Decision</th>
                        <th scope="col">Event</th>
                        <th scope="col">What</th>
                      </tr>
                    </thead>
                    <tbody>
                      {decisions.map((r) => {
                        const decision = DECISIONS[r.event] ?? 'summary';
                        return (
                          <tr key={r.seq}>
                            <td>
                              <When iso={r.time} />
                            </td>
                            <td>
                              <span className={`badge badge-${decision === 'allowed' ? 'success' : decision === 'denied' ? 'failure' : 'open'}`}>{decision}</span>
                            </td>
                            <td className="mono">{r.event}</td>
                            <td>{what(r)}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </TableFrame>
              )}
            </section>
            <section aria-labelledby="agent-timeline">
              <h2 id="agent-timeline">Audit timeline</h2>
              <p className="muted">
                The latest {SHOWN} records about this agent from the last {DAYS} days, newest first
                {partial ? ' (it has more than the console reads at once)' : ''}. The <Link to={`/audit?agent_id=${encodeURIComponent(agentId)}`}>audit page</Link> has them all.
              </p>
              {records.length === 0 ? (
                <p className="muted">No audit record about this agent in the last {DAYS} days.</p>
              ) : (
                <ol className="agent-timeline">
                  {records.map((r) => (
                    <li key={r.seq}>
                      <When iso={r.time} /> <code>{r.event}</code> <span className={`badge badge-${r.outcome}`}>{r.outcome}</span>
                      {r.actor !== null && (
                        <>
                          {' '}
                          by <code>{r.actor}</code>
                        </>
                      )}
                      {r.reason !== null && <span className="muted"> — {r.reason}</span>}
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </>
        );
      }}
    </Show>
  );
}
