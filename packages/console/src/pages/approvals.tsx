import { useState } from 'react';
import { signInUrl } from '../api/client';
import { ConfirmAction } from '../components/confirm-action';
import { EmptyState, Flash, Show, useLoad } from '../components/page-state';
import { Link } from '../router';
import { useSession } from '../session';

/** An approval as `GET /account/api/approvals` gives it (docs/approvals.md, "The approval inbox API"). */
interface Approval {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'consumed';
  agent: { id: string; name: string | null; owner: string | null };
  approver: string;
  binding_message: string | null;
  resource: string;
  scopes: string[];
  authorization_details: Record<string, unknown>[];
  reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
  created_at: string;
  expires_at: string;
}

/**
 * The person's own approvals: answered with the session (not the admin API: being named as the
 * approver is the right, not a role) and its CSRF token, like the approval page.
 */
async function call(path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } });
  if (response.status === 401) window.location.assign(signInUrl());
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

const STATUS: Record<Approval['status'], string> = { pending: 'waiting', approved: 'approved', denied: 'denied', expired: 'expired', consumed: 'approved, token issued' };

/** What is asked: the scopes and every field of every authorization detail. */
function What({ a }: { a: Approval }) {
  return (
    <ul className="approval-what">
      {a.scopes.length > 0 && (
        <li>
          Scopes: <code>{a.scopes.join(' ')}</code>
        </li>
      )}
      {a.authorization_details.map((d, i) => (
        <li key={i}>
          {Object.entries(d)
            .filter(([k]) => k !== 'locations')
            .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(', ')}
        </li>
      ))}
      <li>
        For <code>{a.resource}</code>
      </li>
    </ul>
  );
}

/** The approvals inbox (docs/approvals.md): what waits for the signed-in person, and what was answered. */
export function ApprovalsPage() {
  const { session } = useSession();
  const { result, reload } = useLoad(async () => (await call('/account/api/approvals')) as { pending: Approval[]; history: Approval[] }, 'approvals');
  const [flash, setFlash] = useState<{ text: string; ok: boolean } | undefined>();
  const readOnly = session.roles.length > 0 && session.roles.every((r) => r === 'auditor');
  const answer = async (a: Approval, decision: 'approve' | 'deny', reason: string) => {
    try {
      await call(`/account/api/approvals/${encodeURIComponent(a.id)}/answer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: JSON.stringify({ decision, ...(reason === '' ? {} : { reason }) }),
      });
      setFlash({ text: decision === 'approve' ? `Approved: ${a.agent.name ?? a.agent.id} can now get a token for exactly this.` : `Denied: ${a.agent.name ?? a.agent.id} is told so.`, ok: true });
    } catch (error) {
      setFlash({ text: `Not answered: ${error instanceof Error ? error.message : String(error)}.`, ok: false });
    }
    reload();
  };
  return (
    <>
      <h1>Approvals</h1>
      <p>Agents ask a person before a risky action. What waits for you (or a group of yours) is listed here, oldest first.</p>
      <Flash message={flash} />
      <Show loaded={result} what="your approvals" reload={reload}>
        {({ pending, history }) => (
          <>
            <section aria-labelledby="inbox-heading">
              <h2 id="inbox-heading">Waiting for you</h2>
              {readOnly && <p className="notice">Your role lets you read approvals, not answer them.</p>}
              {pending.length === 0 ? (
                <EmptyState title="Nothing is waiting for your approval">When an agent asks you (or a group of yours) to approve an action, it appears here; you can also be told by the approval webhook.</EmptyState>
              ) : (
                <ul className="cards approval-list" aria-labelledby="inbox-heading">
                  {pending.map((a) => (
                    <li key={a.id} className="card" aria-labelledby={`apr-${a.id}`}>
                      <h3 id={`apr-${a.id}`}>
                        <Link to={`/agents/${encodeURIComponent(a.agent.id)}`}>{a.agent.name ?? a.agent.id}</Link> asks
                      </h3>
                      {a.binding_message !== null && <p className="binding-message">“{a.binding_message}”</p>}
                      <What a={a} />
                      <p className="muted">
                        Sent to {a.approver === `user:${session.user.id}` ? 'you' : <code>{a.approver}</code>}; expires {new Date(a.expires_at).toLocaleTimeString()}.
                      </p>
                      {!readOnly && (
                        <div className="toolbar">
                          <ConfirmAction
                            label="Approve…"
                            title={`Approve the request of ${a.agent.name ?? a.agent.id}?`}
                            description="The agent gets one short-lived token for exactly this. Your answer is audited with your name."
                            confirmLabel="Approve"
                            reason={{ label: 'Reason (kept in the audit log)', required: false }}
                            onConfirm={(reason) => answer(a, 'approve', reason)}
                          />
                          <ConfirmAction
                            label="Deny…"
                            title={`Deny the request of ${a.agent.name ?? a.agent.id}?`}
                            description="The agent is refused and told your reason."
                            confirmLabel="Deny"
                            danger
                            reason={{ label: 'Reason (told to the agent)', required: false }}
                            onConfirm={(reason) => answer(a, 'deny', reason)}
                          />
                        </div>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section aria-labelledby="answered-heading">
              <h2 id="answered-heading">History</h2>
              {history.length === 0 ? (
                <EmptyState title="No past approvals">Requests you (or your groups) answered, and those that expired unanswered, are listed here.</EmptyState>
              ) : (
                <div className="table-wrap">
                  <table aria-labelledby="answered-heading">
                    <thead>
                      <tr>
                        <th scope="col">Asked</th>
                        <th scope="col">Agent</th>
                        <th scope="col">Message</th>
                        <th scope="col">Outcome</th>
                        <th scope="col">Answered by</th>
                        <th scope="col">Reason</th>
                      </tr>
                    </thead>
                    <tbody>
                      {history.map((a) => (
                        <tr key={a.id}>
                          <td>{new Date(a.created_at).toLocaleString()}</td>
                          <td>
                            <Link to={`/agents/${encodeURIComponent(a.agent.id)}`}>{a.agent.name ?? a.agent.id}</Link>
                          </td>
                          <td>{a.binding_message ?? <span className="muted">none</span>}</td>
                          <td>
                            <span className={`badge badge-${a.status === 'denied' || a.status === 'expired' ? 'failure' : 'ok'}`}>{STATUS[a.status]}</span>
                          </td>
                          <td className="mono">{a.decided_by === null ? '—' : a.decided_by === session.user.id ? 'you' : a.decided_by}</td>
                          <td>{a.reason ?? <span className="muted">none</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          </>
        )}
      </Show>
    </>
  );
}
