import { api, problemText } from '../../api/client';
import { EmptyState, Show, useLoad } from '../../components/page-state';
import { Link } from '../../router';

/** Most suspended agents the panel looks up the suspension of. */
const LIMIT = 50;

interface Suspended {
  id: string;
  name: string;
  actor: string | null;
  reason: string;
  time: string | null;
}

/** Each suspended agent, with its latest `agent.suspended` record: who suspended it, and why. */
async function loadSuspended(): Promise<Suspended[]> {
  const { data, error } = await api.GET('/agents', { params: { query: { status: 'suspended', limit: LIMIT } } });
  if (data === undefined) throw new Error(problemText(error));
  return Promise.all(
    data.items.map(async (agent) => {
      const records = await api.GET('/audit', { params: { query: { agent_id: agent.id, event: 'agent.suspended', limit: 100 } } });
      const last = records.data?.items.at(-1);
      const details = (last?.details ?? {}) as Record<string, unknown>;
      const reason = typeof details['reason'] === 'string' ? details['reason'] : (last?.reason ?? '');
      return { id: agent.id, name: agent.name, actor: last?.actor ?? null, reason, time: last?.time ?? null };
    }),
  );
}

/**
 * The agents out of service: those the anomaly response suspended (actor `system`, the reason
 * naming the anomaly) and those people suspended. Resuming is on the agent's page.
 */
export function SuspendedAgents({ round }: { round: number }) {
  const { result, reload } = useLoad(loadSuspended, `suspended-${round}`);
  return (
    <section aria-labelledby="suspended-heading">
      <h2 id="suspended-heading">Suspended agents</h2>
      <Show loaded={result} what="suspended agents" reload={reload}>
        {(agents) =>
          agents.length === 0 ? (
            <EmptyState title="No agent is suspended">With AGENTAUTH_ANOMALY_SUSPEND_SEVERITY set, an anomaly of that severity suspends its agent at once; it is listed here until someone resumes it.</EmptyState>
          ) : (
            <div className="table-wrap">
              <table aria-labelledby="suspended-heading">
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Suspended</th>
                    <th scope="col">By</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {agents.map((a) => (
                    <tr key={a.id}>
                      <td>
                        <Link to={`/agents/${encodeURIComponent(a.id)}`}>{a.name}</Link>
                      </td>
                      <td>{a.time === null ? '—' : new Date(a.time).toLocaleString()}</td>
                      <td className="mono">{a.actor === 'system' ? 'the anomaly response' : (a.actor ?? 'unknown')}</td>
                      <td>{a.reason === '' ? <span className="muted">none given</span> : a.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}
