import { useState } from 'react';
import { Button } from 'react-aria-components';
import { api, problemText } from '../api/client';
import type { components } from '../api/schema';
import { ConfirmAction } from '../components/confirm-action';
import { EmptyState, Flash, Show, useLoad } from '../components/page-state';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { SuspendedAgents } from './anomalies/suspended-agents';

type Anomaly = components['schemas']['Anomaly'];
type State = 'open' | 'acknowledged' | 'resolved';
const STATES: { value: '' | State; label: string }[] = [
  { value: '', label: 'Every state' },
  { value: 'open', label: 'Open' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
];

/** One anomaly's evidence: the sentence, the numbers behind it, and who handled it. */
function Evidence({ id, round }: { id: string; round: number }) {
  const { result, reload } = useLoad(async () => {
    const { data, error } = await api.GET('/anomalies/{id}', { params: { path: { id } } });
    if (data === undefined) throw new Error(problemText(error));
    return data;
  }, `${id}-${round}`);
  return (
    <Show loaded={result} what="the evidence" reload={reload}>
      {(a) => (
        <section aria-labelledby="evidence-heading" className="card anomaly-evidence">
          <h2 id="evidence-heading">Evidence of {a.id}</h2>
          <p>{a.evidence}</p>
          <dl className="details">
            <dt>Agent</dt>
            <dd>
              <Link to={`/agents/${encodeURIComponent(a.agent_id)}`}>{a.agent_id}</Link>
            </dd>
            <dt>Detector</dt>
            <dd className="mono">{a.detector}</dd>
            <dt>Detected</dt>
            <dd>{new Date(a.detected_at).toLocaleString()}</dd>
            <dt>Acknowledged</dt>
            <dd>{a.acknowledged_at === null ? 'not yet' : `${new Date(a.acknowledged_at).toLocaleString()} by ${a.acknowledged_by ?? 'unknown'}`}</dd>
            <dt>Resolved</dt>
            <dd>{a.resolved_at === null ? 'not yet' : `${new Date(a.resolved_at).toLocaleString()} by ${a.resolved_by ?? 'unknown'}`}</dd>
            <dt>Note</dt>
            <dd>{a.note ?? <span className="muted">none</span>}</dd>
          </dl>
          <h3>The numbers</h3>
          <pre>{JSON.stringify(a.details, null, 2)}</pre>
        </section>
      )}
    </Show>
  );
}

/**
 * Anomalies of agents' behaviour (docs/monitoring.md, "Anomalies"): the list by state, each one's
 * evidence, and, for operators, acknowledge and resolve (each with a note kept in the audit log).
 * Below, the agents suspended, by the anomaly response or by people.
 */
export function AnomaliesPage() {
  const { can } = useSession();
  const { location, navigate } = useRouter();
  const state = (location.query.get('state') ?? '') as '' | State;
  const selected = location.query.get('id') ?? undefined;
  const [round, setRound] = useState(0);
  const [flash, setFlash] = useState<{ text: string; ok: boolean } | undefined>();
  const { result, reload } = useLoad(async () => {
    const { data, error } = await api.GET('/anomalies', { params: { query: { limit: 100, ...(state === '' ? {} : { state }) } } });
    if (data === undefined) throw new Error(problemText(error));
    return data.items;
  }, `${state}-${round}`);
  const go = (next: { state?: string; id?: string | undefined }) => {
    const query = new URLSearchParams();
    const s = next.state ?? state;
    if (s !== '') query.set('state', s);
    const id = 'id' in next ? next.id : selected;
    if (id !== undefined) query.set('id', id);
    const text = query.toString();
    navigate(`/anomalies${text === '' ? '' : `?${text}`}`);
  };
  const change = async (a: Anomaly, verb: 'acknowledge' | 'resolve', note: string) => {
    const path = verb === 'acknowledge' ? '/anomalies/{id}/acknowledge' : '/anomalies/{id}/resolve';
    const { error } = await api.POST(path, { params: { path: { id: a.id } }, body: note === '' ? {} : { note } });
    setFlash(error === undefined ? { text: verb === 'acknowledge' ? `Acknowledged ${a.id}.` : `Resolved ${a.id}: it no longer raises the agent's risk level.`, ok: true } : { text: `Not changed: ${problemText(error)}`, ok: false });
    setRound((r) => r + 1);
  };
  return (
    <>
      <h1>Anomalies</h1>
      <p>When an agent behaves unlike itself (a new network, a burst of refusals, a delegation fan-out), the server records an anomaly with its evidence.</p>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="anomaly-state">State</label>
          <select id="anomaly-state" value={state} onChange={(e) => go({ state: e.target.value, id: undefined })}>
            {STATES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Flash message={flash} />
      <Show loaded={result} what="anomalies" reload={reload}>
        {(items) =>
          items.length === 0 ? (
            <EmptyState title={state === '' ? 'No anomaly has been recorded' : `No ${state} anomaly`}>
              {state === '' ? 'Turn detection on with AGENTAUTH_ANOMALY_DETECTION=true; agents are watched after their learning period (docs/monitoring.md).' : 'Choose another state to see the others.'}
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table aria-label="Anomalies">
                <thead>
                  <tr>
                    <th scope="col">Detected</th>
                    <th scope="col">Agent</th>
                    <th scope="col">Detector</th>
                    <th scope="col">Severity</th>
                    <th scope="col">State</th>
                    <th scope="col">Evidence</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id} className={a.id === selected ? 'row-selected' : undefined}>
                      <td>{new Date(a.detected_at).toLocaleString()}</td>
                      <td>
                        <Link to={`/agents/${encodeURIComponent(a.agent_id)}`}>{a.agent_id}</Link>
                      </td>
                      <td className="mono">{a.detector}</td>
                      <td>
                        <span className={`badge badge-${a.severity}`}>{a.severity}</span>
                      </td>
                      <td>
                        <span className={`badge badge-${a.state === 'resolved' ? 'ok' : a.state === 'open' ? 'open' : 'warn'}`}>{a.state}</span>
                      </td>
                      <td>{a.evidence}</td>
                      <td>
                        <div className="row-actions">
                          <Button className="button" aria-label={`Evidence of ${a.id}`} onPress={() => go({ id: a.id })}>
                            Evidence
                          </Button>
                          {can.operate && a.state === 'open' && (
                            <ConfirmAction
                              label="Acknowledge…"
                              title={`Acknowledge ${a.id}?`}
                              description="Says someone is looking at it. It still raises the agent's risk level until it is resolved."
                              confirmLabel="Acknowledge"
                              reason={{ label: 'Note (kept in the audit log)', required: false }}
                              onConfirm={(note) => change(a, 'acknowledge', note)}
                            />
                          )}
                          {can.operate && a.state !== 'resolved' && (
                            <ConfirmAction
                              label="Resolve…"
                              title={`Resolve ${a.id}?`}
                              description="Closes it: it no longer raises the agent's risk level. A suspended agent stays suspended until someone resumes it."
                              confirmLabel="Resolve"
                              reason={{ label: 'Note: what was found (kept in the audit log)', required: true }}
                              onConfirm={(note) => change(a, 'resolve', note)}
                            />
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
      {selected !== undefined && <Evidence id={selected} round={round} />}
      <SuspendedAgents round={round} />
    </>
  );
}
