import { useState } from 'react';
import { api, problemText } from '../../api/client';
import { ConfirmAction } from '../../components/confirm-action';
import type { Notify } from '../agent-detail';
import { When, type Agent } from '../agents/agent-format';
import { TableFrame } from '../../components/table-frame';
import { OneTimeSecret } from '../agents/one-time-secret';

/**
 * The agent's credentials (docs/admin-api.md, "Credentials"): public JWKs by `kid`, and secrets by
 * id only (the API never shows a secret again, nor its digest). Rotating a secret adds a new one,
 * shown once, beside the old, so the agent can switch before the old one is removed: removing a
 * credential makes authentication with it fail at once.
 */
export function CredentialsSection({ agent, canAct, notify }: { agent: Agent; canAct: boolean; notify: Notify }) {
  const [secret, setSecret] = useState<string>();
  const usesSecret = agent.token_endpoint_auth_method === 'client_secret_basic' || agent.token_endpoint_auth_method === 'client_secret_post';

  const rotate = async () => {
    const { data, error } = await api.POST('/agents/{id}/credentials', { params: { path: { id: agent.id } }, body: { type: 'secret' } });
    if (data === undefined) {
      notify(`No new secret: ${problemText(error)}`, false);
      return;
    }
    setSecret(data.client_secret);
    notify(`A new client secret ${data.credential.id} was added; the old ones still work until you remove them.`, true);
  };
  const remove = async (credentialId: string) => {
    const { error } = await api.DELETE('/agents/{id}/credentials/{credential_id}', { params: { path: { id: agent.id, credential_id: credentialId } } });
    if (error !== undefined) notify(`Credential ${credentialId} was not removed: ${problemText(error)}`, false);
    else notify(`Credential ${credentialId} was removed; authentication with it now fails.`, true);
  };

  return (
    <section aria-labelledby="agent-credentials">
      <div className="agents-head">
        <h2 id="agent-credentials">Credentials</h2>
        {canAct && usesSecret && (
          <ConfirmAction
            label="Rotate secret"
            title="Rotate the client secret?"
            description="A new client secret is generated and shown once. The current secrets keep working until you remove them, so the agent can switch first."
            confirmLabel="Generate new secret"
            onConfirm={rotate}
          />
        )}
      </div>
      {secret !== undefined && <OneTimeSecret secret={secret} label="New client secret" />}
      {agent.credentials.length === 0 ? (
        <p className="muted">
          {agent.jwks_uri !== null
            ? 'Its keys are read from its JWKS URI.'
            : (
              <>
                No credential yet: add a public key with <code>agentauth agents add-key</code>, or enrol the agent with an enrolment token.
              </>
            )}
        </p>
      ) : (
        <TableFrame label="Credentials">
          <table>
            <caption className="visually-hidden">Credentials</caption>
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Type</th>
                <th scope="col">Key ID</th>
                <th scope="col">Added</th>
                <th scope="col">Expires</th>
                {canAct && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {agent.credentials.map((c) => (
                <tr key={c.id}>
                  <td className="mono">{c.id}</td>
                  <td>{c.type === 'jwk' ? 'public key (JWK)' : 'client secret (digest only)'}</td>
                  <td className="mono">{c.kid ?? '—'}</td>
                  <td>
                    <When iso={c.created_at} />
                  </td>
                  <td>
                    <When iso={c.expires_at} never="does not expire" />
                  </td>
                  {canAct && (
                    <td>
                      <ConfirmAction
                        label={`Remove ${c.id.slice(0, 10)}…`}
                        title={`Remove credential ${c.id}?`}
                        description="Authentication with this credential fails at once. Tokens already issued stay valid until they expire."
                        confirmLabel="Remove"
                        danger
                        onConfirm={() => remove(c.id)}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableFrame>
      )}
    </section>
  );
}
