import { api, problemText } from '../api/client';
import { EmptyState, Show, useLoad } from '../components/page-state';
import { Link } from '../router';
import { StageChart, stagedKeys } from './migration/stage-chart';
import { UsageChart } from './migration/usage-chart';

/** Reads a response or throws its problem in words. */
function ok<T>(answer: { data?: T; error?: unknown }): T {
  if (answer.data === undefined) throw new Error(problemText(answer.error));
  return answer.data;
}

/**
 * The move off static API keys (docs/migration.md): per agent and resource, calls made with keys
 * against calls made with tokens over time (`GET /migration/report`), and the live keys by the
 * stage the cut-over rules put them in (`GET /migration/cutover/plan`, `/rules`, the key lists).
 */
export function MigrationPage() {
  const { result, reload } = useLoad(async () => {
    const [report, plan, rules, managed, imported] = await Promise.all([
      api.GET('/migration/report', { params: { query: { since: '30d' } } }).then(ok),
      api.GET('/migration/cutover/plan', {}).then(ok),
      api.GET('/migration/cutover/rules', {}).then(ok),
      api.GET('/api-keys', { params: { query: { limit: 500 } } }).then(ok),
      api.GET('/imported-keys', { params: { query: { limit: 500 } } }).then(ok),
    ]);
    const live = [
      ...managed.items.filter((k) => k.status === 'active').map((k) => ({ id: k.id, kind: 'managed' as const, agent_id: k.agent_id, owner: k.owner, last_used_at: k.usage.last_used_at, expires_at: k.expires_at })),
      ...imported.items.filter((k) => k.status === 'active').map((k) => ({ id: k.id, kind: 'imported' as const, agent_id: k.agent_id, owner: k.owner, last_used_at: k.usage.last_used_at, expires_at: k.expires_at })),
    ];
    return { report, rules: rules.items, keys: stagedKeys(live, plan) };
  }, 'migration');
  return (
    <>
      <h1>API-key migration</h1>
      <p className="muted">
        How far agents have moved from static API keys to short-lived tokens, and which keys the cut-over rules warn or block now.
      </p>
      <Show loaded={result} what="the migration" reload={reload}>
        {({ report, rules, keys }) => (
          <>
            <h2>Keys and tokens, last {report.window.since}</h2>
            {report.rows.length === 0 ? (
              <EmptyState title="No calls to compare yet">
                Nothing called a service with an API key or a token in the last {report.window.since}. A legacy script exchanges its managed API key
                for a short-lived token at the token endpoint; each exchange, and each token an agent gets with its own credentials, is counted here.
              </EmptyState>
            ) : (
              <UsageChart report={report} />
            )}
            {report.truncated && <p className="notice">The audit log had more records than one report reads: these counts are a lower bound.</p>}
            <h2>Cut-over</h2>
            {keys.length === 0 ? (
              <EmptyState title="No live API keys">
                To start a migration, give each legacy script a managed API key of its agent (on the agent&apos;s page, or <code>agentauth api-keys create</code>), or
                import the third-party keys it already uses by their digest. Then set cut-over rules: warn from a date, block from a later one, per key, agent or
                resource. <Link to="/agents">Go to agents</Link>
              </EmptyState>
            ) : (
              <StageChart keys={keys} rules={rules} />
            )}
            <AttentionLists report={report} />
          </>
        )}
      </Show>
    </>
  );
}

function AttentionLists({ report }: { report: { unused_keys: { id: string; agent_id: string }[]; keys_without_owner: { id: string; agent_id: string }[]; unused_days: number } }) {
  const lists = [
    { title: `Keys unused for ${report.unused_days} days`, keys: report.unused_keys, hint: 'Revoke them: nothing needs them.' },
    { title: 'Keys without an owner', keys: report.keys_without_owner, hint: 'Give each one an owner who answers for it.' },
  ].filter((l) => l.keys.length > 0);
  if (lists.length === 0) return null;
  return (
    <div className="cards">
      {lists.map((l) => (
        <section key={l.title} className="card">
          <h2>{l.title}</h2>
          <p className="muted">{l.hint}</p>
          <ul className="overview-list">
            {l.keys.map((k) => (
              <li key={k.id}>
                <span className="mono">{k.id}</span> of <Link to={`/agents/${encodeURIComponent(k.agent_id)}`}>{k.agent_id}</Link>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
