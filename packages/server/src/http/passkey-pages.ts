import type { PasskeyRecord } from '../store/ports/passkey-store.js';
import { escapeHtml, hidden, notice, page } from './people-pages.js';
import { PASSKEY_NAME_MAX } from '../people/passkey-registration.js';

/**
 * The account's passkeys page (docs/people.md, "Passkeys"): the person's passkeys with a remove
 * button each, and the form that adds one. The form's button runs the passkey script, which asks
 * the server for options, calls the authenticator and posts its answer with the form.
 */
export function passkeysPage(passkeys: readonly PasskeyRecord[], csrf: string, message?: { ok?: string; error?: string }, mayAdd = true): string {
  const rows = passkeys
    .map(
      (p) =>
        `<tr><td class="name">${escapeHtml(p.name)}</td><td>${day(p.createdAt)}</td><td>${p.lastUsedAt === null ? 'never' : day(p.lastUsedAt)}</td><td>${p.backedUp ? 'synced' : 'this device'}</td>` +
        `<td><form method="post" action="/account/passkeys/remove">${hidden('csrf', csrf)}${hidden('credential_id', p.credentialId)}<button type="submit" class="remove">Remove</button></form></td></tr>`,
    )
    .join('');
  const list = passkeys.length === 0 ? '<p id="no-passkeys">You have no passkeys yet.</p>' : `<table id="passkey-list"><thead><tr><th>Name</th><th>Added</th><th>Last used</th><th>Kind</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  const ok = message?.ok === undefined ? '' : `<p class="ok" role="status">${escapeHtml(message.ok)}</p>`;
  return page(
    'Passkeys',
    `${ok}${notice(message?.error)}<p>A passkey signs you in with your device's screen lock or security key instead of a password and code.</p>${list}
${mayAdd ? form(csrf) : '<p id="passkeys-local-only">Passkeys are for local accounts; you sign in through your identity provider.</p>'}
<p><a href="/account">Back to your account</a></p>`,
    { 'csrf-token': csrf },
    true,
  );
}

/** The form that adds a passkey. */
function form(csrf: string): string {
  return `<form id="passkey-register" method="post" action="/account/passkeys" data-options="/account/passkeys/options">${hidden('csrf', csrf)}${hidden('response', '')}
<label for="passkey-name">Name of the new passkey</label><input id="passkey-name" name="name" required maxlength="${PASSKEY_NAME_MAX}" placeholder="Work laptop">
<button type="button">Add a passkey</button><p id="passkey-error" class="error" role="alert" hidden></p></form>`;
}

/** A date as `YYYY-MM-DD` (UTC). */
function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
