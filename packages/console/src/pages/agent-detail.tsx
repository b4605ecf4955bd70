import { useCallback, useState } from 'react';
import { api, problemText } from '../api/client';
import { ConfirmAction } from '../components/confirm-action';
import { Flash, Show, useLoad } from '../components/page-state';
import { Link } from '../router';
import { useSession } from '../session';
import { AuditSection } from './agent-detail/audit-section';
import { CertificatesSection } from './agent-detail/certificates-section';
import { CredentialsSection } from './agent-detail/credentials-section';
import { TokensSection } from './agent-detail/tokens-section';
import { Labels, StatusBadge, When, type Agent } from './agents/agent-format';

/** What an action reports back to the page: a message, and whether to reload what it changed. */
export type Notify = (text: string, ok: boolean) => void;

/**
 * One agent: its fields, credentials, certificates, live tokens and who acts for whom, its policy
 * decisions and audit timeline; for operators and admins, the actions (suspend, resume, rotate a
 * secret, remove a credential, revoke a token or a certificate), each confirmed first. An auditor
 * sees the same page without any of them, and the admin API refuses them anyway.
 */
export function AgentDetailPage({ id }: { id: string }) {
  const { can } = useSession();
  const [flash, setFlash] = useState<{ text: string; ok: boolean }>();
  // Bumped after every action, so each section (and the audit timeline) reads again.
  const [version, setVersion] = useState(0);
  const notify = useCallback<Notify>((text, ok) => {
    setFlash({ text, ok });
    setVersion((v) => v + 1);
  }, []);
  const { result, reload } = useLoad(async () => {
    const { data, error } = await api.GET('/agents/{id}', { params: { path: { id } } });
    if (data === undefined) throw new Error(problemText(error));
    return data;
  }, `${id}#${version}`);

  return (
    <>
      <p className="agent-crumb">
        <Link to="/agents">← All agents</Link>
      </p>
      <Show loaded={result} what="the agent" reload={reload}>
        {(agent) => (
          <>
            <div className="agents-head">
              <h1>
                {agent.name} <StatusBadge status={agent.status} />
              </h1>
              {can.operate && <LifecycleActions agent={agent} notify={notify} />}
            </div>
            <Flash message={flash} />
            <AgentFields agent={agent} />
            <CredentialsSection agent={agent} canAct={can.operate} notify={notify} />
            <CertificatesSection agentId={agent.id} canAct={can.operate} notify={notify} version={version} />
            <TokensSection agentId={agent.id} canAct={can.operate} notify={notify} version={version} />
            <AuditSection agentId={agent.id} version={version} />
          </>
        )}
      </Show>
    </>
  );
}

/** Suspend (every token it holds is inactive at once) or resume, as its status allows. */
function LifecycleActions({ agent, notify }: { agent: Agent; notify: Notify }) {
  const act = async (verb: 'suspend' | 'resume') => {
    const path = verb === 'suspend' ? '/agents/{id}/suspend' : '/agents/{id}/resume';
    const { data, error } = await api.POST(path, { params: { path: { id: agent.id } } });
    if (data === undefined) notify(`${agent.name} was not ${verb === 'suspend' ? 'suspended' : 'resumed'}: ${problemText(error)}`, false);
    else notify(`${agent.name} is ${data.status}.`, true);
  };
  return (
    <div className="toolbar agent-actions">
      {agent.status === 'active' && (
        <ConfirmAction
          label="Suspend"
          title={`Suspend ${agent.name}?`}
          description="Every token it holds stops working at once and its certificates are revoked; it cannot obtain new ones until it is resumed."
          confirmLabel="Suspend"
          danger
          onConfirm={() => act('suspend')}
        />
      )}
      {agent.status === 'suspended' && (
        <ConfirmAction
          label="Resume"
          title={`Resume ${agent.name}?`}
          description="It may obtain tokens and certificates again. Those it held before the suspension stay revoked."
          confirmLabel="Resume"
          onConfirm={() => act('resume')}
        />
      )}
    </div>
  );
}

function List({ items }: { items: string[] }) {
  if (items.length === 0) return <span className="muted">none</span>;
  return <span className="mono">{items.join(' ')}</span>;
}

function AgentFields({ agent }: { agent: Agent }) {
  const subject = agent.tls_client_auth_san_uri ?? agent.tls_client_auth_san_dns ?? agent.tls_client_auth_subject_dn;
  return (
    <section aria-labelledby="agent-fields">
      <h2 id="agent-fields">Details</h2>
      <dl className="details">
        <dt>ID</dt>
        <dd className="mono">{agent.id}</dd>
        <dt>Client ID</dt>
        <dd className="mono">{agent.client_id}</dd>
        <dt>Owner</dt>
        <dd>{agent.owner}</dd>
        <dt>Description</dt>
        <dd>{agent.description === '' ? <span className="muted">none</span> : agent.description}</dd>
        <dt>Authentication</dt>
        <dd className="mono">{agent.token_endpoint_auth_method}</dd>
        {subject !== undefined && (
          <>
            <dt>Certificate subject</dt>
            <dd className="mono">{subject}</dd>
          </>
        )}
        <dt>Grant types</dt>
        <dd>
          <List items={agent.grant_types} />
        </dd>
        <dt>Scopes</dt>
        <dd>
          <List items={agent.scopes} />
        </dd>
        <dt>Resources</dt>
        <dd>
          <List items={agent.resources} />
        </dd>
        <dt>Labels</dt>
        <dd>
          <Labels labels={agent.labels} />
        </dd>
        <dt>Token binding</dt>
        <dd>
          {agent.dpop_bound_access_tokens ? 'DPoP (RFC 9449)' : agent.tls_client_certificate_bound_access_tokens ? 'mutual TLS certificate (RFC 8705)' : 'bearer, unless the agent sends a DPoP proof'}
        </dd>
        <dt>Token lifetime</dt>
        <dd>{agent.access_token_ttl === null ? 'server default' : `${agent.access_token_ttl} s`}</dd>
        {agent.jwks_uri !== null && (
          <>
            <dt>JWKS URI</dt>
            <dd className="mono">{agent.jwks_uri}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <When iso={agent.created_at} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <When iso={agent.updated_at} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <When iso={agent.last_seen_at} />
        </dd>
      </dl>
    </section>
  );
}
