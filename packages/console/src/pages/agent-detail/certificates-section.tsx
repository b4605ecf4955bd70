import { api, problemText } from '../../api/client';
import { ConfirmAction } from '../../components/confirm-action';
import { Show, useLoad } from '../../components/page-state';
import type { Notify } from '../agent-detail';
import { When } from '../agents/agent-format';
import { TableFrame } from '../../components/table-frame';

/**
 * The X.509-SVIDs the built-in CA issued to the agent (`GET /certificates?agent_id=`, newest
 * first; docs/ca.md) and, for operators, revoking one (RFC 5280: the CRL is reissued before the
 * answer). A server without a CA answers 404, which is said as such.
 */
export function CertificatesSection({ agentId, canAct, notify, version }: { agentId: string; canAct: boolean; notify: Notify; version: number }) {
  const { result, reload } = useLoad(async () => {
    const { data, error, response } = await api.GET('/certificates', { params: { query: { agent_id: agentId, limit: 50 } } });
    if (response.status === 404) return undefined;
    if (data === undefined) throw new Error(problemText(error));
    return data;
  }, `${agentId}#${version}`);

  const revoke = async (serial: string) => {
    const { data, error } = await api.POST('/certificates/{serial}/revoke', { params: { path: { serial } } });
    if (data === undefined) notify(`Certificate ${serial} was not revoked: ${problemText(error)}`, false);
    else notify(`Certificate ${serial} is revoked and on the CRL.`, true);
  };

  return (
    <section aria-labelledby="agent-certificates">
      <h2 id="agent-certificates">Certificates</h2>
      <Show loaded={result} what="certificates" reload={reload}>
        {(page) => {
          if (page === undefined) return <p className="muted">This server runs no certificate authority.</p>;
          if (page.items.length === 0)
            return (
              <p className="muted">
                No certificate issued to this agent. It gets one with <code>agentauth certs issue</code> or through EST enrolment.
              </p>
            );
          const now = Date.now();
          return (
            <TableFrame label="Certificates">
              <table>
                <caption className="visually-hidden">Certificates</caption>
                <thead>
                  <tr>
                    <th scope="col">Serial</th>
                    <th scope="col">Issued</th>
                    <th scope="col">Expires</th>
                    <th scope="col">State</th>
                    {canAct && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => {
                    const expired = Date.parse(c.not_after) <= now;
                    const state = c.revoked_at !== null ? 'revoked' : expired ? 'expired' : 'active';
                    return (
                      <tr key={c.serial}>
                        <td className="mono">{c.serial}</td>
                        <td>
                          <When iso={c.issued_at} />
                        </td>
                        <td>
                          <When iso={c.not_after} />
                        </td>
                        <td>
                          <span className={`badge badge-${state}`}>{state}</span>
                        </td>
                        {canAct && (
                          <td>
                            {state === 'active' && (
                              <ConfirmAction
                                label={`Revoke certificate ${c.serial.slice(0, 12)}…`}
                                title="Revoke this certificate?"
                                description={`Certificate ${c.serial} goes on the CRL at once; services that check the CRL refuse it.`}
                                confirmLabel="Revoke"
                                danger
                                onConfirm={() => revoke(c.serial)}
                              />
                            )}
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableFrame>
          );
        }}
      </Show>
    </section>
  );
}
