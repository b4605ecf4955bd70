import { useEffect, useState } from 'react';
import { api, problemText } from '../../api/client';
import type { components } from '../../api/schema';

export type PolicyProblem = components['schemas']['PolicyProblem'];

/** Where a proposed source stands: not checked yet, being checked, valid (its policy ids), or its problems. */
export type Validation =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'valid'; policies: string[] }
  | { state: 'invalid'; problems: PolicyProblem[]; message: string }
  | { state: 'error'; message: string };

/** How long typing must pause before the source is sent for validation. */
const DEBOUNCE_MS = 500;

/**
 * Validates the source as the person types (`POST /policies/validate`, debounced): Cedar's own
 * parser and strict schema validation on the server, so what the editor says is what apply says.
 * An answer that arrives after the text changed again is dropped.
 */
export function usePolicyValidation(source: string): Validation {
  const [validation, setValidation] = useState<Validation>({ state: 'idle' });
  useEffect(() => {
    if (source.trim() === '') {
      setValidation({ state: 'idle' });
      return;
    }
    let live = true;
    setValidation({ state: 'checking' });
    const timer = setTimeout(() => {
      api.POST('/policies/validate', { body: { source } }).then(
        ({ data, error }) => {
          if (!live) return;
          if (data !== undefined) setValidation({ state: 'valid', policies: data.policies });
          else if (error.code === 'policy_invalid') setValidation({ state: 'invalid', problems: error.problems ?? [], message: problemText(error) });
          else setValidation({ state: 'error', message: problemText(error) });
        },
        (failure: unknown) => live && setValidation({ state: 'error', message: failure instanceof Error ? failure.message : String(failure) }),
      );
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [source]);
  return validation;
}

/** A problem as one line: where, then Cedar's message. */
export function problemLine(p: PolicyProblem): string {
  const where = p.line === null ? (p.policy_id === null ? '' : `Policy ${p.policy_id}: `) : `Line ${p.line}${p.column === null ? '' : `, column ${p.column}`}: `;
  return `${where}${p.message}`;
}
