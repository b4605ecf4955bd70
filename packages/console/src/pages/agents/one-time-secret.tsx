import { useId } from 'react';

/**
 * A secret the admin API returns once (a new agent's or a rotated client secret): shown in a
 * read-only field, selected on focus so it can be copied, with the warning that it is never shown
 * again. It lives only in this component's state; nothing keeps it.
 */
export function OneTimeSecret({ secret, label }: { secret: string; label: string }) {
  const id = useId();
  return (
    <div className="notice one-time-secret">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="mono" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} aria-describedby={`${id}-warn`} />
      <p id={`${id}-warn`}>
        <strong>Copy it now:</strong> it is shown only this once. The server keeps only its SHA-256 digest.
      </p>
    </div>
  );
}
