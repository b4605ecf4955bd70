import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ProgressBar } from 'react-aria-components';

/** Progress while a page's data loads, announced to screen readers. */
export function Loading({ what }: { what: string }) {
  return (
    <ProgressBar isIndeterminate aria-label={`Loading ${what}`} className="loading">
      <span className="spinner" aria-hidden="true" />
      <span>Loading {what}…</span>
    </ProgressBar>
  );
}

/** What went wrong, in words, with a way to try again. */
export function ErrorNotice({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div role="alert" className="notice notice-error">
      <p>{message}</p>
      {retry !== undefined && (
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** An empty list says what to do next, never just "no data". */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty" role="status">
      <p className="empty-title">{title}</p>
      <div>{children}</div>
    </div>
  );
}

/** A success or failure message after an action, announced politely. */
export function Flash({ message }: { message: { text: string; ok: boolean } | undefined }) {
  if (message === undefined) return null;
  return (
    <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'notice notice-ok' : 'notice notice-error'}>
      {message.text}
    </p>
  );
}

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; data: T };

/**
 * Runs `load` when `key` changes and on `reload()`; a stale answer (from an earlier key) is
 * dropped. `load` throws an Error whose message is shown to the person.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): { result: Loaded<T>; reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  useEffect(() => {
    let live = true;
    setResult((previous) => (previous.state === 'ok' ? previous : { state: 'loading' }));
    load().then(
      (data) => live && setResult({ state: 'ok', data }),
      (error: unknown) => live && setResult({ state: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure each render; `key` and `round` say when to load again.
  }, [key, round]);
  return { result, reload };
}

/** Renders a loaded value, or its progress or error. */
export function Show<T>({ loaded, what, reload, children }: { loaded: Loaded<T>; what: string; reload?: () => void; children: (data: T) => ReactNode }) {
  if (loaded.state === 'loading') return <Loading what={what} />;
  if (loaded.state === 'error') return <ErrorNotice message={`Could not load ${what}: ${loaded.message}`} retry={reload} />;
  return <>{children(loaded.data)}</>;
}
