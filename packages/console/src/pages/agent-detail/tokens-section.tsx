import { api, problemText } from '../../api/client';
import { ConfirmAction } from '../../components/confirm-action';
import { Show, useLoad } from '../../components/page-state';
import type { Notify } from '../agent-detail';
import { When, type AgentToken, type TokenChain } from '../agents/agent-format';
import { TableFrame } from '../../components/table-frame';
import { DelegationGraph, delegationEdges } from './delegation-graph';

/** How many lineages the graph reads: one request each, for the exchanged tokens only. */
const CHAINS_MAX = 10;

/**
 * The agent's unexpired tokens (`GET /agents/{id}/tokens`: as subject, or as the client that
 * obtained them by exchange), revoking one (`POST /tokens/{jti}/revoke`, which cascades to every
 * token exchanged from it), and the delegation graph built from them and their lineages.
 */
export function TokensSection({ agentId, canAct, notify, version }: { agentId: string; canAct: boolean; notify: Notify; version: number }) {
  const { result, reload } = useLoad(async () => {
    const { data, error } = await api.GET('/agents/{id}/tokens', { params: { path: { id: agentId }, query: { limit: 200 } } });
    if (data === undefined) throw new Error(problemText(error));
    const exchanged = data.items.filter((t) => t.parent_jti !== null || t.client_id !== t.sub).slice(0, CHAINS_MAX);
    const chains: TokenChain[] = [];
    for (const token of exchanged) {
      const chain = await api.GET('/tokens/{jti}/chain', { params: { path: { jti: token.jti } } });
      // A token pruned between the two reads has no chain left to show.
      if (chain.data !== undefined) chains.push(chain.data);
    }
    return { tokens: data.items, more: data.next_cursor !== undefined, chains };
  }, `${agentId}#${version}`);

  const revoke = async (jti: string) => {
    const { data, error } = await api.POST('/tokens/{jti}/revoke', { params: { path: { jti } } });
    if (data === undefined) notify(`Token ${jti} was not revoked: ${problemText(error)}`, false);
    else notify(`Token ${jti} is revoked, and every token exchanged from it.`, true);
  };

  return (
    <Show loaded={result} what="tokens" reload={reload}>
      {({ tokens, more, chains }) => (
        <>
          <section aria-labelledby="agent-tokens">
            <h2 id="agent-tokens">Live tokens</h2>
            {tokens.length === 0 ? (
              <p className="muted">No unexpired token. Tokens appear here when the agent obtains one at /token.</p>
            ) : (
              <TokenTable tokens={tokens} canAct={canAct} revoke={revoke} />
            )}
            {more && <p className="muted">Only the first 200 tokens are listed.</p>}
          </section>
          <section aria-labelledby="agent-delegations">
            <h2 id="agent-delegations">Who acts for whom</h2>
            <DelegationGraph agentId={agentId} edges={delegationEdges(tokens, chains)} />
          </section>
        </>
      )}
    </Show>
  );
}

function TokenTable({ tokens, canAct, revoke }: { tokens: AgentToken[]; canAct: boolean; revoke: (jti: string) => Promise<void> }) {
  return (
    <TableFrame label="Live tokens">
      <table>
        <caption className="visually-hidden">Live tokens</caption>
        <thead>
          <tr>
            <th scope="col">Token ID (jti)</th>
            <th scope="col">Subject</th>
            <th scope="col">Obtained by</th>
            <th scope="col">Scope</th>
            <th scope="col">Audience</th>
            <th scope="col">Binding</th>
            <th scope="col">Expires</th>
            <th scope="col">State</th>
            {canAct && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.jti}>
              <td className="mono">{t.jti}</td>
              <td className="mono">{t.sub}</td>
              <td className="mono">{t.client_id}</td>
              <td className="mono">{t.scope === null ? '—' : t.scope === '' ? 'none' : t.scope}</td>
              <td className="mono">{t.aud === null ? '—' : t.aud.join(' ')}</td>
              <td>{t.binding ?? '—'}</td>
              <td>
                <When iso={t.expires_at} />
              </td>
              <td>
                <span className={`badge badge-${t.revoked ? 'revoked' : 'active'}`}>{t.revoked ? 'revoked' : 'active'}</span>
              </td>
              {canAct && (
                <td>
                  {!t.revoked && (
                    <ConfirmAction
                      label={`Revoke token ${t.jti.slice(0, 8)}…`}
                      title="Revoke this token?"
                      description={`Token ${t.jti} stops working at once, and so does every token exchanged from it. Services learn of it through the revocation feed.`}
                      confirmLabel="Revoke"
                      danger
                      onConfirm={() => revoke(t.jti)}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableFrame>
  );
}
