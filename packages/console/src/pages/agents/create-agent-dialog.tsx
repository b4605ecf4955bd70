import { useState, type FormEvent } from 'react';
import { Button, Dialog, DialogTrigger, Heading, Input, Label, Modal, Text, TextArea, TextField } from 'react-aria-components';
import { api, problemText } from '../../api/client';
import type { operations } from '../../api/schema';
import { Link } from '../../router';
import { parseLabels, words, type Agent } from './agent-format';
import { OneTimeSecret } from './one-time-secret';

/**
 * How the new agent authenticates at /token (docs/oauth.md): a generated secret (legacy, RFC 6749
 * §2.3.1, shown once), or its own key pair (RFC 7523 `private_key_jwt`, the default), whose public
 * JWK may be given now or added later.
 */
const METHODS = [
  { value: 'client_secret_basic', label: 'Client secret, HTTP Basic (shown once)' },
  { value: 'client_secret_post', label: 'Client secret, in the form body (shown once)' },
  { value: 'private_key_jwt', label: 'Signed JWT with its own key (private_key_jwt)' },
] as const;
type Method = (typeof METHODS)[number]['value'];

interface Draft {
  name: string;
  owner: string;
  description: string;
  scopes: string;
  resources: string;
  labels: string;
  method: Method;
  jwk: string;
}

const EMPTY: Draft = { name: '', owner: '', description: '', scopes: '', resources: '', labels: '', method: 'client_secret_basic', jwk: '' };

type CreateAgentBody = NonNullable<operations['createAgent']['requestBody']>['content']['application/json'];

/** The request body, or what is wrong with the form in words. */
function bodyOf(draft: Draft): { body: CreateAgentBody } | { error: string } {
  const labels = parseLabels(draft.labels);
  if ('error' in labels) return { error: `Labels: ${labels.error}.` };
  const body: CreateAgentBody = {
    name: draft.name.trim(),
    owner: draft.owner.trim(),
    scopes: words(draft.scopes),
    resources: words(draft.resources),
    labels: labels.labels,
    token_endpoint_auth_method: draft.method,
  };
  if (draft.description.trim() !== '') body.description = draft.description.trim();
  if (draft.method === 'private_key_jwt' && draft.jwk.trim() !== '') {
    try {
      const jwk = JSON.parse(draft.jwk) as unknown;
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return { error: 'Public key: paste one JWK, a JSON object.' };
      // The schema types a JWK as an open object; the server checks its members.
      body.jwks = { keys: [jwk as Record<string, never>] };
    } catch {
      return { error: 'Public key: this is not JSON; paste the public JWK.' };
    }
  }
  return { body };
}

/**
 * "Create agent": a dialog form for the fields `POST /admin/v1/agents` needs (name, owner, scopes,
 * resources, labels, authentication method), then the result: the new agent's id and, for a secret,
 * the secret itself, which the API shows this once and never again.
 */
export function CreateAgentDialog({ onCreated }: { onCreated: () => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ agent: Agent; secret?: string }>();
  const set = (field: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));
  const reset = () => {
    setDraft(EMPTY);
    setError(undefined);
    setCreated(undefined);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = bodyOf(draft);
    if ('error' in built) {
      setError(built.error);
      return;
    }
    setBusy(true);
    setError(undefined);
    const { data, error: problem } = await api.POST('/agents', { body: built.body });
    setBusy(false);
    if (data === undefined) {
      setError(`The agent was not created: ${problemText(problem)}`);
      return;
    }
    setCreated({ agent: data.agent, ...(data.client_secret === undefined ? {} : { secret: data.client_secret }) });
    onCreated();
  };

  return (
    <DialogTrigger onOpenChange={(open) => !open && reset()}>
      <Button className="button button-primary">Create agent</Button>
      <Modal className="modal" isDismissable={created === undefined}>
        <Dialog className="dialog agent-dialog">
          {({ close }) =>
            created === undefined ? (
              <form onSubmit={(e) => void submit(e)} noValidate>
                <Heading slot="title">Create agent</Heading>
                <Field label="Name" value={draft.name} onChange={set('name')} required autoFocus />
                <Field label="Owner" description="The team or person answerable for it." value={draft.owner} onChange={set('owner')} required />
                <Field label="Description" value={draft.description} onChange={set('description')} />
                <Field label="Scopes" description="Separated by spaces, e.g. invoices:read orders:write." value={draft.scopes} onChange={set('scopes')} />
                <Field label="Resources" description="The APIs it may call (absolute URIs), one a line." value={draft.resources} onChange={set('resources')} multiline />
                <Field label="Labels" description="key=value, separated by commas." value={draft.labels} onChange={set('labels')} />
                <div className="field">
                  <label htmlFor="create-agent-method">Authentication method</label>
                  <select id="create-agent-method" value={draft.method} onChange={(e) => set('method')(e.target.value)}>
                    {METHODS.map((m) => (
                      <option key={m.value} value={m.value}>
                        {m.label}
                      </option>
                    ))}
                  </select>
                </div>
                {draft.method === 'private_key_jwt' && (
                  <Field label="Public key (JWK, optional)" description="Its public JWK as JSON; keys can be added later too." value={draft.jwk} onChange={set('jwk')} multiline />
                )}
                {error !== undefined && (
                  <p role="alert" className="notice notice-error">
                    {error}
                  </p>
                )}
                <div className="dialog-actions">
                  <Button className="button" onPress={close}>
                    Cancel
                  </Button>
                  <Button type="submit" className="button button-primary" isDisabled={busy || draft.name.trim() === '' || draft.owner.trim() === ''}>
                    {busy ? 'Creating…' : 'Create'}
                  </Button>
                </div>
              </form>
            ) : (
              <div>
                <Heading slot="title">Agent created</Heading>
                <p role="status">
                  <strong>{created.agent.name}</strong> is registered as <code>{created.agent.id}</code> (client id <code>{created.agent.client_id}</code>).
                </p>
                {created.secret !== undefined && <OneTimeSecret secret={created.secret} label="Client secret" />}
                <div className="dialog-actions">
                  <Link to={`/agents/${encodeURIComponent(created.agent.id)}`} className="button">
                    Open the agent
                  </Link>
                  <Button className="button button-primary" onPress={close} autoFocus>
                    Done
                  </Button>
                </div>
              </div>
            )
          }
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}

function Field({
  label,
  description,
  value,
  onChange,
  required = false,
  multiline = false,
  autoFocus = false,
}: {
  label: string;
  description?: string;
  value: string;
  onChange: (v: string) => void;
  required?: boolean;
  multiline?: boolean;
  autoFocus?: boolean;
}) {
  return (
    <TextField value={value} onChange={onChange} isRequired={required} className="field" autoFocus={autoFocus}>
      <Label>
        {label}
        {required ? ' (required)' : ''}
      </Label>
      {multiline ? <TextArea rows={3} className="agent-dialog-text" /> : <Input />}
      {description !== undefined && (
        <Text slot="description" className="muted agent-hint">
          {description}
        </Text>
      )}
    </TextField>
  );
}
