import { useState } from 'react';
import { Button, Label, TextArea, TextField } from 'react-aria-components';
import { api, problemText } from '../../api/client';
import type { components } from '../../api/schema';
import { ConfirmAction } from '../../components/confirm-action';
import { Flash } from '../../components/page-state';
import { problemLine, usePolicyValidation, type Validation } from './policy-validation';

type DiffReport = components['schemas']['PolicyDiffReport'];

/** The windows a dry run can replay. */
const WINDOWS = [
  { value: '1h', label: 'the last hour' },
  { value: '24h', label: 'the last 24 hours' },
  { value: '7d', label: 'the last 7 days' },
  { value: '30d', label: 'the last 30 days' },
];

/** What each outcome change means, in words. */
const CHANGES: Record<string, string> = {
  allowed_to_denied: 'allowed, would be denied',
  denied_to_allowed: 'denied, would be allowed',
  narrowed: 'would get fewer scopes',
  widened: 'would get more scopes',
  shorter_ttl: 'would get a shorter lifetime',
  longer_ttl: 'would get a longer lifetime',
};

function ValidationStatus({ validation }: { validation: Validation }) {
  switch (validation.state) {
    case 'idle':
      return <span className="muted">Type Cedar policies; they are checked as you type.</span>;
    case 'checking':
      return <span className="muted">Checking…</span>;
    case 'valid':
      return <span className="policy-ok">Valid: {validation.policies.length === 0 ? 'no policy' : validation.policies.join(', ')}.</span>;
    case 'invalid':
      return <span className="field-error">Not valid: {validation.problems.length} problem{validation.problems.length === 1 ? '' : 's'}.</span>;
    case 'error':
      return <span className="field-error">Could not check: {validation.message}</span>;
  }
}

/**
 * The admin's editor: Cedar text checked as it is typed (problems listed with their line and
 * column, tied to the field), a dry run of the recorded decisions under it, and apply (confirmed,
 * with a comment kept with the version). The policies sent are added, or replace those of the
 * same `@id`; the others stay.
 */
export function PolicyEditor({ source, setSource, version, onApplied }: { source: string; setSource: (s: string) => void; version: number; onApplied: () => void }) {
  const validation = usePolicyValidation(source);
  const [since, setSince] = useState('24h');
  const [diff, setDiff] = useState<{ state: 'idle' } | { state: 'running' } | { state: 'done'; report: DiffReport } | { state: 'error'; message: string }>({ state: 'idle' });
  const [flash, setFlash] = useState<{ text: string; ok: boolean } | undefined>();
  const valid = validation.state === 'valid';
  const problems = validation.state === 'invalid' ? validation.problems : [];

  const dryRun = async () => {
    setDiff({ state: 'running' });
    const { data, error } = await api.POST('/policies/diff', { body: { source, since } });
    setDiff(data !== undefined ? { state: 'done', report: data } : { state: 'error', message: problemText(error) });
  };
  const apply = async (comment: string) => {
    const { data, error } = await api.POST('/policies/apply', { body: { source, expected_version: version, ...(comment === '' ? {} : { comment }) } });
    if (data === undefined) {
      setFlash({ text: `Not applied: ${problemText(error)}`, ok: false });
      return;
    }
    const parts = [data.added.length > 0 ? `added ${data.added.join(', ')}` : '', data.changed.length > 0 ? `changed ${data.changed.join(', ')}` : ''].filter((p) => p !== '');
    setFlash({ text: `Applied as version ${data.version}${parts.length > 0 ? `: ${parts.join('; ')}` : ''}.`, ok: true });
    setDiff({ state: 'idle' });
    onApplied();
  };

  return (
    <section aria-labelledby="editor-heading">
      <h2 id="editor-heading">Edit policies</h2>
      <p className="muted">Policies you write here are added, or replace the policies with the same <code>@id</code>; the others stay in force.</p>
      <TextField value={source} onChange={setSource} className="field" isInvalid={problems.length > 0}>
        <Label>Cedar policies</Label>
        <TextArea className="policy-source" spellCheck={false} rows={12} aria-describedby="policy-status policy-problems" />
      </TextField>
      <p id="policy-status" className="policy-status" aria-live="polite">
        <ValidationStatus validation={validation} />
      </p>
      <ul id="policy-problems" className="policy-problems" aria-label="Problems in the policies">
        {problems.map((p, i) => (
          <li key={i} className="field-error">
            {problemLine(p)}
          </li>
        ))}
      </ul>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="dry-run-window">Replay decisions of</label>
          <select id="dry-run-window" value={since} onChange={(e) => setSince(e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
        <Button className="button" isDisabled={!valid || diff.state === 'running'} onPress={() => void dryRun()}>
          Dry run
        </Button>
        {valid ? (
          <ConfirmAction
            label="Apply…"
            title="Apply these policies?"
            description={`They become version ${version + 1} of the policy set, in force on every node within a second. The change is audited with your name.`}
            confirmLabel="Apply"
            reason={{ label: 'Comment (kept with the version)', required: false }}
            onConfirm={apply}
          />
        ) : (
          <Button className="button" isDisabled>
            Apply…
          </Button>
        )}
      </div>
      <Flash message={flash} />
      <DryRunResult diff={diff} />
    </section>
  );
}

function DryRunResult({ diff }: { diff: { state: 'idle' } | { state: 'running' } | { state: 'done'; report: DiffReport } | { state: 'error'; message: string } }) {
  if (diff.state === 'idle') return null;
  if (diff.state === 'running') return <p role="status" className="muted">Replaying the recorded decisions…</p>;
  if (diff.state === 'error') return <p role="alert" className="notice notice-error">The dry run failed: {diff.message}</p>;
  const r = diff.report;
  return (
    <section aria-labelledby="dry-run-heading" className="card dry-run">
      <h3 id="dry-run-heading">Dry run result</h3>
      <p role="status">
        {r.changed_requests === 0
          ? `No past request would change: ${r.replayed} decisions replayed`
          : `${r.changed_requests} past request${r.changed_requests === 1 ? '' : 's'} would change, of ${r.replayed} decisions replayed`}{' '}
        from {new Date(r.from).toLocaleString()} to {new Date(r.to).toLocaleString()}.
        {r.capped ? ' The window was capped: only its most recent records were read.' : ''}
        {r.not_replayable > 0 ? ` ${r.not_replayable} records could not be replayed.` : ''}
      </p>
      {r.changes.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Past requests whose outcome would change</caption>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Resource</th>
                <th scope="col">Scope</th>
                <th scope="col">Change</th>
                <th scope="col">Requests</th>
              </tr>
            </thead>
            <tbody>
              {r.changes.map((c, i) => (
                <tr key={i}>
                  <td className="mono">{c.agent_id}</td>
                  <td className="mono">{c.resource}</td>
                  <td className="mono">{c.scope === '' ? '(none)' : c.scope}</td>
                  <td>{CHANGES[c.change] ?? c.change}</td>
                  <td>{c.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
