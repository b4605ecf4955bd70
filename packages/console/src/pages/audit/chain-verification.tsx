import { useState } from 'react';
import { api, problemText } from '../../api/client';
import type { components } from '../../api/schema';

type Verdict = components['schemas']['AuditVerdict'];

const PROBLEMS: Record<string, string> = {
  edited: 'a record was changed after it was written',
  deleted: 'a record is missing',
  reordered: 'records are out of order',
  truncated: 'the newest records are gone',
  rewritten: 'the chain was rebuilt from a record on',
};

/**
 * Checks the whole hash chain (`POST /audit/verify`, which auditors may call) and says the result
 * in words: verified with the head to note down elsewhere, or the first broken link and what broke.
 */
export function ChainVerification() {
  const [state, setState] = useState<{ busy: boolean; verdict?: Verdict; error?: string }>({ busy: false });
  const verify = async () => {
    setState({ busy: true });
    const { data, error } = await api.POST('/audit/verify', { body: {} });
    setState(data === undefined ? { busy: false, error: problemText(error, 'The chain could not be verified.') } : { busy: false, verdict: data });
  };
  const { verdict } = state;
  return (
    <section className="card audit-verify" aria-labelledby="verify-heading">
      <h2 id="verify-heading">Hash chain</h2>
      <p className="muted">Each record carries the hash of the one before it, so an edit, a deletion or a reordering breaks the chain.</p>
      <button type="button" className="button" onClick={() => void verify()} disabled={state.busy}>
        {state.busy ? 'Verifying…' : 'Verify the chain'}
      </button>
      <div aria-live="polite">
        {state.error !== undefined && (
          <p role="alert" className="notice notice-error">
            {state.error}
          </p>
        )}
        {verdict?.ok === true && (
          <p className="notice notice-ok" data-testid="chain-status">
            <strong>Chain verified</strong>: {verdict.records_checked} records checked
            {verdict.last_seq !== undefined && verdict.last_seq > 0 && (
              <>
                ; the head is record {verdict.last_seq}, hash <span className="mono">{verdict.last_hash}</span>. Keep the head outside the database to prove later that nothing was removed.
              </>
            )}
          </p>
        )}
        {verdict?.ok === false && (
          <p className="notice notice-error" data-testid="chain-status">
            <strong>Chain broken</strong> at record {verdict.first_bad_seq}: {PROBLEMS[verdict.problem ?? ''] ?? verdict.problem} ({verdict.records_checked} records checked).
          </p>
        )}
      </div>
    </section>
  );
}
